/// Translates between a graph file's rows and the node ids of the input it was packed from.
///
/// Users name nodes by input id (`--nodes`, output rows); the engine works on file rows. Without a
/// `node.order` section the two are the same. Every other section (CSR, features, labels, splits) is
/// in row numbering.
public struct NodeNumbering: Sendable {
    /// Keeps the mapping of `order` alive.
    private let graph: GraphFile
    /// The file's `node.order` (`inputID[row]`), read in place; nil for the identity.
    private let order: NodeIndexArray?
    /// Its inverse, `row[inputID]`.
    private let rows: [Int]?

    /// Reads the file's `node.order`; throws when it is not a permutation of 0..<N.
    public init(_ graph: GraphFile) throws {
        self.graph = graph
        order = graph.nodeOrder
        guard let order else {
            rows = nil
            return
        }
        let n = graph.nodeCount
        var rows = [Int](repeating: -1, count: n)
        for row in 0..<n {
            let id = order[row]
            guard id >= 0, id < n else {
                throw GNNError("node.order[\(row)] is \(id), not below the node count \(n)", fix: "pack the graph again")
            }
            guard rows[id] < 0 else {
                throw GNNError("node.order holds input node \(id) twice (rows \(rows[id]) and \(row)); it must be a permutation",
                               fix: "pack the graph again")
            }
            rows[id] = row
        }
        self.rows = rows
    }

    /// Whether the file stores the nodes in input order.
    public var isIdentity: Bool { order == nil }

    /// The file row of input node `id` (0 ≤ id < N).
    public func row(ofInputID id: Int) -> Int { rows?[id] ?? id }

    /// The input id of the node at file row `row`.
    public func inputID(ofRow row: Int) -> Int { order?[row] ?? row }
}
