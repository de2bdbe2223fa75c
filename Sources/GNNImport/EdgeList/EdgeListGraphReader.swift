import GNNFormats

/// Reads a graph from a CSV/TSV edge list ("source destination" per line, comma, tab or space separated,
/// optional header, `#` comments; extra columns are ignored) and node features from a `.npy` file.
///
/// Node ids must be 0 to N−1, where N is the number of feature rows.
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
        try DelimitedText(path: path).forEachLine { lineNumber, line in
            guard DelimitedText.parseIntegers(line, into: &row) || row.count >= 2, row.count >= 2 else {
                throw GNNError("line \(lineNumber) is not \"source destination\" with integer node ids", in: path)
            }
            sources.append(row[0])
            destinations.append(row[1])
        }
        return GraphInput(nodeCount: features.shape[0],
                          edges: EdgeArrays(sources: sources, destinations: destinations, location: path),
                          nodeFeatures: features, format: "edge-list")
    }
}
