/// The graph a model expects (model format 1.1, optional metadata key `graph`, formats/model.md §8.9):
/// what its training graph looked like, so that `predict` can refuse a graph packed differently instead of
/// silently giving other outputs. Absent keys, or a file without the object, mean "not recorded".
public struct ModelGraphContract: Codable, Sendable, Equatable {
    /// Self loops the model was trained with.
    public enum SelfLoops: String, Codable, Sendable, CaseIterable {
        /// Every node had exactly one self loop (PyG's `add_self_loops` on the data, as examples/rev_gnn.py does).
        case onePerNode = "one-per-node"
        /// No node had a self loop.
        case noLoops = "none"
        /// The model does not care (GCN and GAT add their own loops; any graph is fine).
        case any
    }

    public var selfLoops: SelfLoops?
    /// `true`: trained on a symmetric (undirected) graph. `false`: on a directed one. `nil`: not recorded.
    public var symmetric: Bool?

    public init(selfLoops: SelfLoops? = nil, symmetric: Bool? = nil) {
        self.selfLoops = selfLoops
        self.symmetric = symmetric
    }

    /// Whether anything is recorded at all.
    public var isEmpty: Bool { selfLoops == nil && symmetric == nil }

    /// How a graph differs from the contract, and the `pack` options that fix it.
    public struct Mismatch: Sendable, Equatable {
        /// What differs, e.g. `the model expects one self loop per node but the graph has none`.
        public var problems: [String]
        /// Options of `gnn-serve pack` that make a conforming graph, e.g. `--undirected --duplicates remove`;
        /// empty when packing cannot fix it (a directed model given a symmetric graph).
        public var packOptions: [String]
        /// When the self loops are all that differs: what the graph needs (one per node, or none), which
        /// `predict` applies to a copy of the graph rather than refusing it.
        public var selfLoopsOnly: SelfLoops?
    }

    /// Compares `facts` with the contract. Unknown facts (graphs packed before graph format 1.2) give no
    /// mismatch: `predict` says separately that they could not be checked.
    public func mismatch(with facts: AdjacencyFacts) -> Mismatch? {
        var problems: [String] = [], options: [String] = []
        if symmetric == true, facts.symmetric == false {
            problems.append("the model expects a symmetric graph but the graph has edges without their reverse")
            options += ["--undirected", "--duplicates", "remove"]
        }
        if symmetric == false, facts.symmetric == true {
            problems.append("the model was trained on a directed graph but the graph is symmetric")
        }
        switch (selfLoops, facts.selfLoops) {
        case (.onePerNode, .noLoops), (.onePerNode, .mixed):
            problems.append("the model expects one self loop per node but the graph has \(facts.selfLoops == .noLoops ? "none" : "some nodes without one or with several")")
            options += ["--self-loops", "add"]
        case (.noLoops, .onePerNode), (.noLoops, .mixed):
            problems.append("the model expects no self loops but the graph has \(facts.selfLoops == .onePerNode ? "one per node" : "some")")
            options += ["--self-loops", "remove"]
        default:
            break
        }
        let loopsOnly = problems.count == 1 && options.first == "--self-loops" ? selfLoops : nil
        return problems.isEmpty ? nil : Mismatch(problems: problems, packOptions: options, selfLoopsOnly: loopsOnly)
    }

    /// Whether checking needs facts the graph file does not have.
    public func needsUnknownFacts(_ facts: AdjacencyFacts) -> Bool {
        (symmetric != nil && facts.symmetric == nil) || ((selfLoops == .onePerNode || selfLoops == .noLoops) && facts.selfLoops == .unknown)
    }

    /// For `info`: `one self loop per node, symmetric`.
    public var text: String {
        var parts: [String] = []
        switch selfLoops {
        case .onePerNode: parts.append("one self loop per node")
        case .noLoops: parts.append("no self loops")
        case .any: parts.append("any self loops")
        case nil: break
        }
        if let symmetric { parts.append(symmetric ? "symmetric" : "directed") }
        return parts.isEmpty ? "not recorded" : parts.joined(separator: ", ")
    }
}
