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

    /// Whether the audit stopped early: the architecture asked for far more than was offered (a hidden
    /// size or layer count much larger than the weights'), so `missing` and `wrongShape` hold only the first
    /// requests and `unexpected` is empty.
    public let stoppedEarly: Bool

    /// Whether the offer is exactly what the architecture needs.
    public var isClean: Bool { missing.isEmpty && wrongShape.isEmpty && unexpected.isEmpty && !stoppedEarly }

    /// Audits tensors offered by name and shape against `architecture`. Throws only when the
    /// architecture itself cannot be built.
    ///
    /// Memory: the model is built from zeros of the requested shapes, so the audit stops (`stoppedEarly`)
    /// once the requests exceed what the offer holds by `RequestRecorder`'s margins, before allocating
    /// what an architecture with a huge hidden size or layer count describes.
    public init(_ architecture: ModelArchitecture, offered: [String: [Int]]) throws {
        try architecture.validate()
        let recorder = RequestRecorder(offered: offered)
        do {
            _ = try GNNModel(architecture, WeightReader(source: recorder))
            stoppedEarly = false
        } catch is RequestRecorder.BudgetExceeded {
            stoppedEarly = true
        }
        used = recorder.used
        missing = recorder.missing
        wrongShape = recorder.wrongShape
        let requested = Set(recorder.used + recorder.wrongShape.map(\.name))
        unexpected = stoppedEarly ? [] : offered.keys.filter { !requested.contains($0) }.sorted()
    }

    /// Audits a model file's tensor table against the architecture its metadata states, and refuses any
    /// difference: a tensor missing, of another shape, or stored but never read (metadata edited to another
    /// family or layer count, a tensor renamed).
    public static func check(_ file: ModelFile) throws {
        let offered = Dictionary(file.tensors.map { ($0.name, $0.shape) }) { first, _ in first }
        let audit = try WeightAudit(file.metadata.architecture, offered: offered)
        guard !audit.isClean else { return }
        let a = file.metadata.architecture
        throw GNNError("its tensors are not those its architecture (\(a.family.rawValue), \(a.layers) layers, \(a.conv.kind.rawValue)) reads — "
                       + audit.listing(limit: listedNames, shapes: offered),
                       in: file.path, fix: "the metadata or tensor table was altered; export the model again")
    }

    /// Tensors listed per kind in `check`'s message.
    static let listedNames = 5

    /// The missing, wrongly shaped and unexpected tensors as one line: each kind's count, then its first
    /// `limit` (all when `nil`), each entry cut to `entryLength` characters; `moreHint` follows a cut list.
    public func listing(limit: Int?, shapes: [String: [Int]], moreHint: String? = nil) -> String {
        func bounded(_ items: [String], _ what: String) -> String? {
            guard !items.isEmpty else { return nil }
            let shown = (limit.map { Array(items.prefix($0)) } ?? items).map { String($0.prefix(Self.entryLength)) }
            let more = items.count - shown.count
            let count = stoppedEarly && what == "missing" ? "\(items.count)+" : "\(items.count)"
            return "\(count) \(what): " + shown.joined(separator: ", ") + (more > 0 ? ", and \(more) more" + (moreHint.map { " (\($0))" } ?? "") : "")
        }
        var parts = [bounded(missing.map { "\($0.name) \($0.expected)" }, "missing"),
                     bounded(wrongShape.map { "\($0.name) expected \($0.expected) found \($0.found)" }, "with the wrong shape"),
                     bounded(unexpected.map { "\($0) \(shapes[$0] ?? [])" }, "unexpected")].compactMap { $0 }
        if stoppedEarly { parts.append("listing stopped: the architecture asks for far more tensors or elements than are offered") }
        return parts.joined(separator: "; ")
    }

    /// The longest entry shown in `listing`.
    static let entryLength = 200
}

/// A `WeightSource` that notes every request and answers with zeros of the requested shape.
private final class RequestRecorder: WeightSource {
    let offered: [String: [Int]]
    private(set) var used: [String] = []
    private(set) var missing: [WeightAudit.Missing] = []
    private(set) var wrongShape: [WeightAudit.WrongShape] = []
    /// Layers are read more than once (weight-tied ones, and the check pass of a layer stack).
    private var seen = Set<String>()

    /// Thrown to stop building once the requests exceed the budgets below.
    struct BudgetExceeded: Error {}
    /// Floats handed out so far and their limit: twice what the offer holds, plus `floatMargin`.
    private var floatsGiven = 0
    private let floatBudget: Int
    /// Requests that the offer cannot serve, and their limit: twice the offered count plus `requestMargin`.
    private var unservedRequests = 0
    private let requestBudget: Int
    /// Room for what an offer lacks in a near-miss (64 MB of floats; 4096 tensors), so that ordinary
    /// mismatches are listed in full.
    static let floatMargin = 16 << 20
    static let requestMargin = 4096

    init(offered: [String: [Int]]) {
        self.offered = offered
        let offeredFloats = offered.values.reduce(0) { total, shape in
            total &+ shape.reduce(1) { $0.multipliedReportingOverflow(by: max($1, 0)).partialValue }
        }
        floatBudget = offeredFloats.multipliedReportingOverflow(by: 2).partialValue &+ Self.floatMargin
        requestBudget = 2 * offered.count + Self.requestMargin
    }

    func tensor(_ name: String, shape: [Int], required: Bool) throws -> [Float]? {
        let found = offered[name]
        if found == nil && !required { return nil }
        let served = found.map { Self.shape($0, serves: shape) } ?? false
        if seen.insert(name).inserted {
            switch found {
            case nil: missing.append(.init(name: name, expected: shape))
            case let found? where !served: wrongShape.append(.init(name: name, expected: shape, found: found))
            default: used.append(name)
            }
        }
        // Checked before the zeros are allocated.
        let (count, overflow) = shape.reduce((1, false)) { partial, size in
            let (product, over) = partial.0.multipliedReportingOverflow(by: size)
            return (product, partial.1 || over)
        }
        floatsGiven = floatsGiven.addingReportingOverflow(count).partialValue
        if !served { unservedRequests += 1 }
        if overflow || floatsGiven > floatBudget || unservedRequests > requestBudget { throw BudgetExceeded() }
        return [Float](repeating: 0, count: count)
    }

    func has(_ name: String) -> Bool { offered[name] != nil }

    func releaseDecodedData() {}
}
