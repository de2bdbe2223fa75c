import Foundation
import GNNFormats

/// Which nodes to score: all, a split, or a list given by the user.
public enum NodeSelection {
    /// The nodes to score: `rows[k]` is the file row of the k-th, `ids[k]` the input id users know it by.
    public struct Selected: Sendable {
        public let rows: [Int]
        public let ids: [Int]
    }

    /// The nodes of `split`, else those of the `--nodes` spec, else all nodes in id order; ids are the
    /// input's (`NodeNumbering`), also when the graph was packed in another order.
    public static func select(in graph: GraphFile, nodes: String?, split: SplitName?) throws -> Selected {
        let numbering = try NodeNumbering(graph)
        if let split {
            guard let rows = graph.split(split) else {
                throw GNNError("has no \(split.rawValue) split", in: graph.path, fix: "pack it with split masks or indices")
            }
            let selected = (0..<rows.count).map { rows[$0] }
            return Selected(rows: selected, ids: selected.map(numbering.inputID(ofRow:)))
        }
        let ids = try nodes.map { try parse($0, nodeCount: graph.nodeCount) } ?? Array(0..<graph.nodeCount)
        return Selected(rows: ids.map(numbering.row(ofInputID:)), ids: ids)
    }

    /// Parses `--nodes`: a range `a..b` (inclusive of a, exclusive of b, as Swift writes it), a comma list
    /// `3,5,8`, or the path of a file with one node id per line. Every id must be below `nodeCount`.
    public static func parse(_ spec: String, nodeCount: Int) throws -> [Int] {
        let ids: [Int]
        if FileManager.default.fileExists(atPath: spec) {
            let text = try String(contentsOfFile: spec, encoding: .utf8)
            ids = try text.split(whereSeparator: \.isNewline).enumerated().compactMap { number, line in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.hasPrefix("#") { return nil }
                guard let id = Int(trimmed) else {
                    throw GNNError("line \(number + 1) is \"\(trimmed)\", not a node id", in: spec)
                }
                return id
            }
        } else if let range = spec.range(of: "..") {
            guard let lower = Int(spec[..<range.lowerBound]), let upper = Int(spec[range.upperBound...]), lower <= upper else {
                throw GNNError("--nodes \(spec) is not a range a..b with a ≤ b", fix: "write e.g. --nodes 0..100")
            }
            ids = Array(lower..<upper)
        } else {
            ids = try spec.split(separator: ",").map {
                guard let id = Int($0.trimmingCharacters(in: .whitespaces)) else {
                    throw GNNError("--nodes \(spec): \"\($0)\" is not a node id",
                                   fix: "give a range a..b, a comma list, or a file of ids")
                }
                return id
            }
        }
        if let bad = ids.first(where: { $0 < 0 || $0 >= nodeCount }) {
            throw GNNError("node id \(bad) is out of range: the graph has \(nodeCount) nodes (0..<\(nodeCount))")
        }
        return ids
    }
}
