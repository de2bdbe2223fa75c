import GNNFormats

/// A graph as read from an input format, before it becomes a graph file.
public struct GraphInput {
    /// N.
    public var nodeCount: Int
    /// The input's directed edges in input order.
    public var edges: any EdgeSource
    /// N × F.
    public var nodeFeatures: any FloatRowSource
    /// One row per input edge, in input order.
    public var edgeFeatures: (any FloatRowSource)?
    /// Class id per node, −1 where unlabelled.
    public var labels: [Int32]?
    /// N × T targets (multi-label or regression).
    public var targets: (any FloatRowSource)?
    /// Node ids per split.
    public var splits: [SplitName: [Int64]] = [:]
    /// Each node's id in the input, when it differs from its position.
    public var originalIDs: [Int64]?
    /// When the input is a reordered graph file: the first input's node at each of its rows (its
    /// `node.order`), composed with any new order so that ids keep naming the first input's nodes.
    public var packedOrder: [UInt32]?
    /// `npz`, `ogb`, `edge-list` or `gnn-serve`.
    public var format: String

    public init(nodeCount: Int, edges: any EdgeSource, nodeFeatures: any FloatRowSource, format: String) {
        self.nodeCount = nodeCount
        self.edges = edges
        self.nodeFeatures = nodeFeatures
        self.format = format
    }

    /// Turns integer labels of shape [N] or [N, 1] into class ids, or [N, T] into targets.
    mutating func setLabels(_ values: [Int64], columns: Int, location: String) throws {
        guard columns >= 1, values.count == nodeCount * columns else {
            throw GNNError("labels have \(values.count / max(columns, 1)) rows but the graph has \(nodeCount) nodes", in: location)
        }
        if columns == 1 {
            labels = try values.enumerated().map { index, value in
                guard value >= -1 else {
                    throw GNNError("label of node \(index) is \(value); class ids are 0 or more (−1: none)", in: location)
                }
                guard value <= Int64(Int32.max) else {
                    throw GNNError("label of node \(index) is \(value), which does not fit 32 bits; class ids run from 0 to \(Int32.max)",
                                   in: location, fix: "number the classes from 0")
                }
                return Int32(value)
            }
        } else {
            targets = FloatMatrixValues(values: values.map(Float.init), rows: nodeCount, columns: columns)
        }
    }

    /// Checks that every part agrees with N and M before anything is written.
    func validate() throws {
        guard nodeCount > 0 else {
            throw GNNError("the graph has no nodes (the feature matrix has 0 rows)", fix: "pack a graph with at least one node")
        }
        guard nodeFeatures.rows == nodeCount else {
            throw GNNError("the feature matrix has \(nodeFeatures.rows) rows but the graph has \(nodeCount) nodes")
        }
        guard nodeFeatures.columns > 0 else {
            throw GNNError("the feature matrix has no columns", fix: "give every node at least one feature")
        }
        if let edgeFeatures, edgeFeatures.rows != edges.edgeCount {
            throw GNNError("edge features have \(edgeFeatures.rows) rows but there are \(edges.edgeCount) edges")
        }
        if let targets, targets.rows != nodeCount {
            throw GNNError("targets have \(targets.rows) rows but the graph has \(nodeCount) nodes")
        }
        if let labels, labels.count != nodeCount {
            throw GNNError("labels have \(labels.count) entries but the graph has \(nodeCount) nodes")
        }
        if let originalIDs, originalIDs.count != nodeCount {
            throw GNNError("node ids have \(originalIDs.count) entries but the graph has \(nodeCount) nodes")
        }
        for (split, ids) in splits {
            if let bad = ids.firstIndex(where: { $0 < 0 || $0 >= Int64(nodeCount) }) {
                throw GNNError("split \(split.rawValue) lists node \(ids[bad]) (entry \(bad)), not below the node count \(nodeCount)")
            }
        }
    }
}
