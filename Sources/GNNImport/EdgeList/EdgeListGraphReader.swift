import GNNFormats

/// Reads a graph from a CSV/TSV edge list ("source destination" per line, comma, semicolon, tab or space
/// separated, one separator throughout, optional header, `#` comments) and node features from a `.npy` file.
///
/// Node ids must be 0 to N−1, where N is the number of feature rows. A third column is refused (the format
/// has no edge weights, and dropping it silently would change the graph), as are mixed separators and a file
/// without a single edge line.
public enum EdgeListGraphReader {
    public static func read(_ path: String, features featurePath: String?) throws -> GraphInput {
        guard let featurePath else {
            throw GNNError("is an edge list, which carries no node features", in: path,
                           fix: "pass --features FILE.npy with one row per node")
        }
        let features = try NpzArchive.npyFile(featurePath)
        guard features.shape.count == 2 else {
            throw GNNError("has shape \(features.shape); node features must be N × F", in: featurePath)
        }
        var sources: [Int64] = []
        var destinations: [Int64] = []
        var row: [Int64] = []
        var firstSeparator: (line: Int, separator: UInt8)?
        try DelimitedText(path: path).forEachLine { lineNumber, line in
            // Parsing stops at the first field that is no integer; two ids before it mean a third column.
            let whole = DelimitedText.parseIntegers(line, into: &row)
            guard row.count >= 2 else {
                throw GNNError("line \(lineNumber) is not \"source destination\" with integer node ids", in: path)
            }
            guard whole && row.count == 2 else {
                throw GNNError("line \(lineNumber) has more than two columns; an edge list has two, source and destination (edge weights are not read)",
                               in: path, fix: "drop the other columns")
            }
            let separator = DelimitedText.separator(of: line)
            if let first = firstSeparator, first.separator != separator {
                throw GNNError("line \(lineNumber) separates its columns with \(DelimitedText.name(of: separator)), line \(first.line) with \(DelimitedText.name(of: first.separator))",
                               in: path, fix: "use one separator throughout")
            }
            firstSeparator = firstSeparator ?? (lineNumber, separator)
            sources.append(row[0])
            destinations.append(row[1])
        }
        guard !sources.isEmpty else {
            throw GNNError("holds no edge line (it is empty, or only blank lines, comments and a header)",
                           in: path, fix: "give one \"source destination\" line per edge")
        }
        return GraphInput(nodeCount: features.shape[0],
                          edges: EdgeArrays(sources: sources, destinations: destinations, location: path),
                          nodeFeatures: features, format: "edge-list")
    }
}
