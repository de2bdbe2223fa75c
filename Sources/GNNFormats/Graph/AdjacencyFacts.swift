/// How a graph's self loops are laid out, as far as its file says.
public enum SelfLoopFact: String, Sendable, Codable {
    /// Every node has exactly one self loop (what `pack --self-loops add` gives).
    case onePerNode = "one-per-node"
    /// No node has a self loop.
    case noLoops = "none"
    /// Some nodes have loops and others none, or a node has more than one.
    case mixed = "some"
    /// The file predates graph format 1.2 and does not say.
    case unknown
}

/// What a graph file states about its symmetry and self loops: the facts a model's graph contract
/// (`ModelGraphContract`) is checked against. Read from the optional feature bits (formats/graph.md §7.2):
/// files written by 1.2 writers set `measured-adjacency`, so a clear bit there means "no"; older files
/// give "unknown" unless a bit says "yes".
public struct AdjacencyFacts: Sendable, Equatable {
    /// `true` when every edge u→v has v→u, `false` when not, `nil` when the file does not say.
    public var symmetric: Bool?
    public var selfLoops: SelfLoopFact

    public init(symmetric: Bool?, selfLoops: SelfLoopFact) {
        self.symmetric = symmetric
        self.selfLoops = selfLoops
    }

    public init(_ features: GraphFeatures) {
        let measured = features.contains(.measuredAdjacency)
        symmetric = features.contains(.symmetric) ? true : (measured ? false : nil)
        if features.contains(.oneSelfLoopPerNode) {
            selfLoops = .onePerNode
        } else if features.contains(.noSelfLoops) {
            selfLoops = .noLoops
        } else {
            selfLoops = measured ? .mixed : .unknown
        }
    }

    /// The optional feature bits that state these facts (with `measured-adjacency` when both are known).
    public var features: GraphFeatures {
        var bits: GraphFeatures = []
        if symmetric == true { bits.insert(.symmetric) }
        if selfLoops == .onePerNode { bits.insert(.oneSelfLoopPerNode) }
        if selfLoops == .noLoops { bits.insert(.noSelfLoops) }
        if symmetric != nil && selfLoops != .unknown { bits.insert(.measuredAdjacency) }
        return bits
    }

    /// For `info`: "yes", "no" or "unknown".
    public var symmetricText: String { symmetric.map { $0 ? "yes" : "no" } ?? "unknown" }

    /// For `info`: "one per node", "none", "some" or "unknown".
    public var selfLoopText: String {
        switch selfLoops {
        case .onePerNode: "one per node"
        case .noLoops: "none"
        case .mixed: "some"
        case .unknown: "unknown"
        }
    }
}
