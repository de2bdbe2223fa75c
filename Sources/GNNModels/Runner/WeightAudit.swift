import GNNFormats

/// Which of a set of offered tensors a model needs, which it lacks and which have the wrong shape.
///
/// The audit builds the model the architecture describes, exactly as serving does, but from a source
/// that records every tensor the constructors ask for instead of failing at the first problem; every
/// requested tensor reads as zeros. Offered tensors that nothing asked for are unexpected.
///
/// ```swift
/// let audit = try WeightAudit(architecture, offered: ["lin1.weight": [8, 6], ...])
/// if !audit.isClean { print(audit.missing, audit.wrongShape, audit.unexpected) }
/// ```
public struct WeightAudit: Sendable {
    /// A tensor the architecture needs and the offer lacks.
    public struct Missing: Sendable, Equatable {
        public let name: String
        public let expected: [Int]
    }

    /// A tensor offered with a shape other than the architecture's.
    public struct WrongShape: Sendable, Equatable {
        public let name: String
        public let expected: [Int]
        public let found: [Int]
    }

    /// Offered tensors the model reads, in the order the model asks for them.
    public let used: [String]
    public let missing: [Missing]
    public let wrongShape: [WrongShape]
    /// Offered tensors the model never reads, in name order.
    public let unexpected: [String]

    /// Whether the offer is exactly what the architecture needs.
    public var isClean: Bool { missing.isEmpty && wrongShape.isEmpty && unexpected.isEmpty }

    /// Audits tensors offered by name and shape against `architecture`. Throws only when the
    /// architecture itself cannot be built.
    public init(_ architecture: ModelArchitecture, offered: [String: [Int]]) throws {
        try architecture.validate()
        let recorder = RequestRecorder(offered: offered)
        _ = try GNNModel(architecture, WeightReader(source: recorder))
        used = recorder.used
        missing = recorder.missing
        wrongShape = recorder.wrongShape
        let requested = Set(recorder.used + recorder.wrongShape.map(\.name))
        unexpected = offered.keys.filter { !requested.contains($0) }.sorted()
    }
}

/// A `WeightSource` that notes every request and answers with zeros of the requested shape.
private final class RequestRecorder: WeightSource {
    let offered: [String: [Int]]
    private(set) var used: [String] = []
    private(set) var missing: [WeightAudit.Missing] = []
    private(set) var wrongShape: [WeightAudit.WrongShape] = []
    /// Layers are read more than once (weight-tied ones, and the check pass of a layer stack).
    private var seen = Set<String>()

    init(offered: [String: [Int]]) {
        self.offered = offered
    }

    func tensor(_ name: String, shape: [Int], required: Bool) throws -> [Float]? {
        let found = offered[name]
        if found == nil && !required { return nil }
        if seen.insert(name).inserted {
            switch found {
            case nil: missing.append(.init(name: name, expected: shape))
            case let found? where !Self.shape(found, serves: shape): wrongShape.append(.init(name: name, expected: shape, found: found))
            default: used.append(name)
            }
        }
        return [Float](repeating: 0, count: shape.reduce(1, *))
    }

    func has(_ name: String) -> Bool { offered[name] != nil }

    func releaseDecodedData() {}
}
