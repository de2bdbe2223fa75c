import Foundation
import GNNFormats

/// Which nodes to score: all, a split, or a list given by the user.
public enum NodeSelection {
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
