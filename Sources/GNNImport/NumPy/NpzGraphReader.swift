import GNNFormats

/// Reads a graph from a NumPy `.npz` in PyG's naming.
///
/// Arrays: `edge_index` (2 × M, integers), `x` (N × F), optional `edge_attr` (M × E), `y` ([N] or [N, 1]
/// class ids; [N, T] targets), `train_mask`/`val_mask`/`test_mask` (boolean [N]) or
/// `train_idx`/`val_idx` (or `valid_idx`)/`test_idx` (node ids), and `node_ids` (original ids, [N]).
public enum NpzGraphReader {
    public static func read(_ path: String) throws -> GraphInput {
        let archive = try NpzArchive(path: path)
        guard let x = try archive.array("x") else {
            throw GNNError("has no array \"x\" (node features); arrays found: \(archive.arrayNames.joined(separator: ", "))",
                           in: path, fix: "save node features as x, as in PyG's Data")
        }
        guard let edgeArray = try archive.array("edge_index") else {
            throw GNNError("has no array \"edge_index\"; arrays found: \(archive.arrayNames.joined(separator: ", "))",
                           in: path, fix: "save the 2 × M edge list as edge_index")
        }
        guard x.shape.count == 2 else {
            throw GNNError("x has shape \(x.shape); expected N × F", in: x.name)
        }
        var input = GraphInput(nodeCount: x.shape[0], edges: try EdgeIndexArray(edgeArray), nodeFeatures: x, format: "npz")
        if let edgeAttr = try archive.array("edge_attr") {
            guard edgeAttr.shape.count <= 2 else { throw GNNError("edge_attr has shape \(edgeAttr.shape); expected M × E", in: edgeAttr.name) }
            input.edgeFeatures = edgeAttr
        }
        if let y = try archive.array("y") {
            if y.elementType.isInteger {
                let columns = y.shape.count == 2 ? y.shape[1] : 1
                try input.setLabels(try y.integers(), columns: columns, location: y.name)
            } else {
                input.targets = y
            }
        }
        for split in SplitName.allCases {
            let short = split == .valid ? "val" : split.rawValue
            if let mask = try archive.array("\(short)_mask") ?? archive.array("\(split.rawValue)_mask") {
                guard mask.count == input.nodeCount else {
                    throw GNNError("\(short)_mask has \(mask.count) entries but the graph has \(input.nodeCount) nodes", in: mask.name)
                }
                input.splits[split] = try mask.integers().enumerated().compactMap { $1 != 0 ? Int64($0) : nil }
            } else if let ids = try archive.array("\(short)_idx") ?? archive.array("\(split.rawValue)_idx") {
                input.splits[split] = try ids.integers()
            }
        }
        if let ids = try archive.array("node_ids") {
            input.originalIDs = try ids.integers()
        }
        return input
    }
}
