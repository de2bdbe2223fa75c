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

    /// Parses `--nodes`: a range `a..b` (inclusive of a, exclusive of b, as Swift writes it; `a..` runs to
    /// the last node, `..b` starts at 0), a comma list `3,5,8`, a single id, or the path of a file with one
    /// node id per line. Every id must be below `nodeCount`. A missing file, a bad range and a bad token
    /// each get their own message, so that a typo in a path does not read as a bad node id.
    public static func parse(_ spec: String, nodeCount: Int) throws -> [Int] {
        let ids: [Int]
        if FileManager.default.fileExists(atPath: spec) {
            ids = try parseFile(spec, nodeCount: nodeCount)
        } else if let range = spec.range(of: "..") {
            ids = try parseRange(spec, lower: spec[..<range.lowerBound], upper: spec[range.upperBound...], nodeCount: nodeCount)
        } else if !spec.contains(","), Int(spec.trimmingCharacters(in: .whitespaces)) == nil {
            // One token that is no number: most likely a path.
            throw GNNError("--nodes \(spec): no such file, and not a node id, range a..b or comma list",
                           fix: "check the path, or write e.g. --nodes 0..100 or --nodes 3,5,8")
        } else {
            ids = try spec.split(separator: ",", omittingEmptySubsequences: false).map {
                try parseID($0, in: "--nodes \(spec)")
            }
        }
        if let bad = ids.first(where: { $0 < 0 || $0 >= nodeCount }) {
            throw GNNError("node id \(bad) is out of range: the graph has \(nodeCount) nodes (0..<\(nodeCount))")
        }
        return ids
    }

    private static func parseID(_ token: Substring, in context: String) throws -> Int {
        let trimmed = token.trimmingCharacters(in: .whitespaces)
        guard let id = Int(trimmed) else {
            throw GNNError("\(context): \"\(trimmed)\" is not a node id",
                           fix: "give a range a..b, a comma list of ids, or a file of ids")
        }
        return id
    }

    private static func parseRange(_ spec: String, lower: Substring, upper: Substring, nodeCount: Int) throws -> [Int] {
        let context = "--nodes \(spec)"
        let start = lower.trimmingCharacters(in: .whitespaces).isEmpty ? 0 : try parseID(lower, in: context)
        let end = upper.trimmingCharacters(in: .whitespaces).isEmpty ? nodeCount : try parseID(upper, in: context)
        guard start >= 0 else {
            throw GNNError("\(context): the start \(start) is negative", fix: "node ids start at 0")
        }
        if start > nodeCount {
            throw GNNError("\(context): the start \(start) is beyond the graph's \(nodeCount) nodes (0..<\(nodeCount))")
        }
        guard start <= end else {
            throw GNNError("\(context): the start \(start) is after the end \(end)",
                           fix: "write a..b with a ≤ b (b excluded), e.g. --nodes 0..100")
        }
        // Checked before the ids are listed: an end of 2^63 would otherwise ask for exabytes.
        guard end <= nodeCount else {
            throw GNNError("\(context): the end \(end) is beyond the graph's \(nodeCount) nodes (0..<\(nodeCount))",
                           fix: "end the range at \(nodeCount) or less, or write \(start).. to run to the last node")
        }
        return Array(start..<end)
    }

    private static func parseFile(_ path: String, nodeCount: Int) throws -> [Int] {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw GNNError("--nodes \(path) is a directory, not a file of node ids", fix: "give a file with one node id per line")
        }
        // Every id of the graph on its own line, with room for comments: more than that is not a list of
        // this graph's node ids (and /dev/zero never ends).
        let limit = nodeCount.multipliedReportingOverflow(by: 24).partialValue + (1 << 20)
        guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.read(upToCount: limit + 1) else {
            throw GNNError("cannot be read as a UTF-8 text file of node ids", in: path, fix: "give one id per line")
        }
        try? handle.close()
        guard data.count <= limit else {
            throw GNNError("holds more than \(limit) bytes, more than a list of this graph's \(nodeCount) node ids needs",
                           in: path, fix: "give one id per line")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw GNNError("cannot be read as a UTF-8 text file of node ids", in: path, fix: "give one id per line")
        }
        return try text.split(whereSeparator: \.isNewline).enumerated().compactMap { number, line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { return nil }
            guard let id = Int(trimmed) else {
                throw GNNError("line \(number + 1) is \"\(trimmed)\", not a node id", in: path, fix: "give one id per line")
            }
            return id
        }
    }
}
