import Foundation
import GNNFormats

/// Reads a node-property-prediction data set in OGB's raw layout:
///
/// ```
/// DIR/raw/edge.csv.gz            M lines "source,destination"
/// DIR/raw/node-feat.csv.gz       N lines of F numbers
/// DIR/raw/edge-feat.csv.gz       optional, M lines of E numbers
/// DIR/raw/node-label.csv.gz      optional, N lines: one class id, or T task values
/// DIR/raw/num-node-list.csv.gz   optional, N
/// DIR/split/NAME/{train,valid,test}.csv.gz   optional, node ids one per line
/// ```
/// Plain `.csv` files are accepted in place of `.csv.gz`.
public enum OGBGraphReader {
    public static func read(_ directory: String, progress: ProgressSink? = nil) throws -> GraphInput {
        let raw = directory + "/raw"
        guard let edgePath = existing(raw + "/edge.csv") else {
            throw GNNError("is a directory but not in OGB's layout: raw/edge.csv.gz is missing", in: directory,
                           fix: "point at the data set folder that contains raw/ and split/")
        }
        guard let featurePath = existing(raw + "/node-feat.csv") else {
            throw GNNError("has no raw/node-feat.csv.gz (node features)", in: directory,
                           fix: "gnn-serve needs node features; add them to the data set")
        }
        progress?.report("reading edges", 0)
        let (edgeValues, edgeColumns) = try DelimitedText(path: edgePath).readIntegerMatrix()
        guard edgeColumns == 2 || edgeValues.isEmpty else {
            throw GNNError("has \(edgeColumns) columns; expected 2 (source,destination)", in: edgePath)
        }
        let edgeCount = edgeValues.count / 2
        let edges = EdgeArrays(sources: (0..<edgeCount).map { edgeValues[2 * $0] },
                               destinations: (0..<edgeCount).map { edgeValues[2 * $0 + 1] }, location: edgePath)
        progress?.report("reading node features", 0.3)
        let features = try DelimitedText(path: featurePath).readFloatMatrix()
        let nodeCount = features.rows
        if let countPath = existing(raw + "/num-node-list.csv") {
            let (counts, _) = try DelimitedText(path: countPath).readIntegerMatrix()
            guard counts.count == 1 else {
                throw GNNError("lists \(counts.count) graphs; only single-graph data sets can be packed", in: countPath)
            }
            guard counts[0] == Int64(features.rows) else {
                throw GNNError("gives \(counts[0]) nodes but raw/node-feat.csv has \(features.rows) rows", in: countPath,
                               fix: "make the node count equal the number of feature rows")
            }
        }
        var input = GraphInput(nodeCount: nodeCount, edges: edges, nodeFeatures: features, format: "ogb")
        if let path = existing(raw + "/edge-feat.csv") {
            progress?.report("reading edge features", 0.6)
            input.edgeFeatures = try DelimitedText(path: path).readFloatMatrix()
        }
        if let path = existing(raw + "/node-label.csv") {
            let (labels, columns) = try DelimitedText(path: path).readIntegerMatrix()
            try input.setLabels(labels, columns: columns, location: path)
        }
        let splitRoot = directory + "/split"
        let splitFolders = ((try? FileManager.default.contentsOfDirectory(atPath: splitRoot)) ?? []).sorted()
            .filter { existing(splitRoot + "/" + $0 + "/train.csv") != nil }
        if splitFolders.count > 1 {
            throw GNNError("has several splits (\(splitFolders.joined(separator: ", "))) under split/", in: directory,
                           fix: "keep only the one to pack")
        }
        if let folder = splitFolders.first {
            for split in SplitName.allCases {
                guard let path = existing("\(splitRoot)/\(folder)/\(split.rawValue).csv") else { continue }
                input.splits[split] = try DelimitedText(path: path).readIntegerMatrix().values
            }
        }
        return input
    }

    /// `base.gz` if it exists, else `base`, else `nil`.
    private static func existing(_ base: String) -> String? {
        [base + ".gz", base].first { FileManager.default.fileExists(atPath: $0) }
    }
}
