import GNNFormats

/// Reads a model's tensors by name with the shape the architecture implies, or says exactly which is
/// missing or wrong.
struct WeightReader: @unchecked Sendable {
    let file: ModelFile

    /// The tensor `name` as f32, which must have `shape`.
    func tensor(_ name: String, shape: [Int]) throws -> [Float] {
        guard let entry = file.tensor(named: name) else {
            throw GNNError("lacks tensor \"\(name)\" \(shape), which its architecture needs", in: file.path,
                           fix: "export the model again from weights that match the architecture")
        }
        guard entry.shape == shape || (entry.shape.reduce(1, *) == shape.reduce(1, *) && shape.count == 1) else {
            throw GNNError("tensor \"\(name)\" has shape \(entry.shape), expected \(shape)", in: file.path,
                           fix: "check the architecture's channel counts")
        }
        return try file.floats(name)
    }

    /// The tensor `name` if present (optional parts such as biases).
    func optional(_ name: String, shape: [Int]) throws -> [Float]? {
        file.tensor(named: name) == nil ? nil : try tensor(name, shape: shape)
    }

    func has(_ name: String) -> Bool { file.tensor(named: name) != nil }

    /// Lets the file's tensor pages go once a layer's weights are decoded.
    func releaseDecodedData() { file.releaseTensorData() }
}
