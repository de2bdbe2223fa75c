import GNNFormats

/// Reads a model's tensors by name with the shape the architecture implies, or says exactly which is
/// missing or wrong.
///
/// The model constructors are the one place that knows which tensors a model needs; they ask a
/// `WeightReader`, which asks its `WeightSource`: a model file when serving, a `WeightAudit` when
/// checking imported weights before export.
struct WeightReader: @unchecked Sendable {
    let source: any WeightSource

    init(file: ModelFile) {
        source = ModelFileWeights(file: file)
    }

    init(source: any WeightSource) {
        self.source = source
    }

    /// The tensor `name` as f32, which must have `shape`.
    func tensor(_ name: String, shape: [Int]) throws -> [Float] {
        try source.tensor(name, shape: shape, required: true) ?? []
    }

    /// The tensor `name` if present (optional parts such as biases).
    func optional(_ name: String, shape: [Int]) throws -> [Float]? {
        try source.tensor(name, shape: shape, required: false)
    }

    func has(_ name: String) -> Bool { source.has(name) }

    /// Lets the file's tensor pages go once a layer's weights are decoded.
    func releaseDecodedData() { source.releaseDecodedData() }
}

/// Where a `WeightReader` finds tensors.
protocol WeightSource {
    /// The tensor `name` as f32 values if it has `shape`; `nil` when absent and not `required`.
    func tensor(_ name: String, shape: [Int], required: Bool) throws -> [Float]?
    func has(_ name: String) -> Bool
    func releaseDecodedData()
}

extension WeightSource {
    /// Whether a stored `found` shape serves where `expected` is asked for: equal, or a vector asked for
    /// and the same number of elements stored (PyTorch keeps some vectors as [1, n]).
    static func shape(_ found: [Int], serves expected: [Int]) -> Bool {
        found == expected || (expected.count == 1 && found.reduce(1, *) == expected[0])
    }
}

/// A model file's tensors, decoded on request.
struct ModelFileWeights: WeightSource {
    let file: ModelFile

    func tensor(_ name: String, shape: [Int], required: Bool) throws -> [Float]? {
        guard let entry = file.tensor(named: name) else {
            guard required else { return nil }
            throw GNNError("lacks tensor \"\(name)\" \(shape), which its architecture needs", in: file.path,
                           fix: "export the model again from weights that match the architecture")
        }
        guard Self.shape(entry.shape, serves: shape) else {
            throw GNNError("tensor \"\(name)\" has shape \(entry.shape), expected \(shape)", in: file.path,
                           fix: "check the architecture's channel counts")
        }
        return try file.floats(name)
    }

    func has(_ name: String) -> Bool { file.tensor(named: name) != nil }

    func releaseDecodedData() { file.releaseTensorData() }
}
