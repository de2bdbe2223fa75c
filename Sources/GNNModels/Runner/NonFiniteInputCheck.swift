import GNNFormats

/// The runner's refusal (`predict`, `serve`) of NaN or infinite input features. One such value in a node's features reaches
/// every node within the model's depth (one NaN made 2,998 of 3,000 output rows NaN), so the outputs
/// would be silently useless. The values are found by `verifyStructure`'s scan (`NonFiniteScan`), which
/// `predict` runs anyway; this only words the result in the user's node ids.
public enum NonFiniteInputCheck {
    /// Throws one line naming the first nodes (input ids) or edges with a non-finite feature, unless `allow`;
    /// then returns the same as a warning for stderr. Edge features count only for a model that reads them.
    public static func check(_ report: GraphStructureReport, graph: GraphFile, graphPath: String, readsEdgeFeatures: Bool,
                      allow: Bool) throws -> String? {
        let edgeValues = readsEdgeFeatures ? report.nonFiniteEdgeFeatures : 0
        guard report.nonFiniteNodeFeatures + edgeValues > 0 else { return nil }
        let numbering = try NodeNumbering(graph)
        var found: [String] = []
        if report.nonFiniteNodeFeatures > 0 {
            let ids = report.firstNonFiniteNodeRows.map(numbering.inputID(ofRow:)).sorted()
            found.append("\(values(report.nonFiniteNodeFeatures)) in node features (node\(ids.count > 1 ? "s" : "") "
                + ids.map(String.init).joined(separator: ", ") + (report.nonFiniteNodeFeatures > ids.count ? ", …" : "") + ")")
        }
        if edgeValues > 0 {
            let edges = report.firstNonFiniteEdges.map { edgeText($0, graph, numbering) }
            found.append("\(values(report.nonFiniteEdgeFeatures)) in edge features (edge\(edges.count > 1 ? "s" : "") "
                + edges.joined(separator: ", ") + (report.nonFiniteEdgeFeatures > edges.count ? ", …" : "") + ")")
        }
        let problem = found.joined(separator: " and ")
        if allow { return "\(graphPath): \(problem); going on as --allow-nonfinite asks (the outputs of their neighbourhoods will be NaN)" }
        throw GNNError(problem + "; they would turn the outputs of their neighbourhoods NaN", in: graphPath,
                       fix: "fix or impute them and pack again, or pass --allow-nonfinite")
    }

    private static func values(_ count: Int) -> String {
        "\(count) NaN or infinite value" + (count == 1 ? "" : "s")
    }

    /// Edge at CSR position `position` as `source→destination` in input ids.
    private static func edgeText(_ position: Int, _ graph: GraphFile, _ numbering: NodeNumbering) -> String {
        let offsets = graph.rowOffsets
        // The destination row is the last row whose offset is ≤ position (binary search over N+1 offsets).
        var low = 0, high = graph.nodeCount
        while high - low > 1 {
            let mid = (low + high) / 2
            if offsets[mid] <= UInt64(position) { low = mid } else { high = mid }
        }
        return "\(numbering.inputID(ofRow: graph.sources[position]))→\(numbering.inputID(ofRow: low))"
    }
}
