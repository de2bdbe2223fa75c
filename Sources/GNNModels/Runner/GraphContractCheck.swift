import Foundation
import GNNFormats
import GNNImport

/// The runner's check (`predict`, `serve`) of a graph against the graph its model was trained on (the model's `graph` metadata,
/// formats/model.md §8.9): a graph packed without `--undirected` or `--self-loops add` gives other outputs
/// with no other sign. When only the self loops differ, they are added or removed in a copy of the graph,
/// as `pack --self-loops` does (O(M), cheap next to a deep forward pass); any other mismatch is refused with
/// the `pack` command that fixes it.
public enum GraphContractCheck {
    /// What the runner does with a graph.
    public struct Outcome {
        /// Lines for stderr: an allowed mismatch, a graph too old to say, or the loops being fixed.
        public var warnings: [String] = []
        /// The graph with its self loops made as the model expects, when they were all that differed.
        public var repacked: GraphFile?
    }

    /// Throws the one-line refusal for a mismatch that packing alone can fix, unless `allow`.
    public static func check(_ contract: ModelGraphContract?, graph: GraphFile, graphPath: String, modelPath: String,
                      allow: Bool) throws -> Outcome {
        guard let contract, !contract.isEmpty else { return Outcome() }
        var facts = AdjacencyFacts(graph.features)
        var outcome = Outcome()
        if contract.needsUnknownFacts(facts) {
            // Packed before graph format 1.2: measure the mapped rows now (O(M log d), well under 1 % of a
            // forward pass on the arxiv-shaped graph), so old files are checked too.
            if let measured = AdjacencyMeasure.measure(graph) {
                facts = measured
            } else {
                outcome.warnings.append("\(graphPath) does not record its symmetry and self loops and its rows are not marked sorted, "
                    + "so the model's expected graph (\(contract.text)) is unchecked; pack it again to check it")
            }
        }
        guard let mismatch = contract.mismatch(with: facts) else { return outcome }
        let problem = mismatch.problems.joined(separator: " and ")
        guard !allow else {
            outcome.warnings.append("\(graphPath): \(problem); going on as --allow-graph-mismatch asks (outputs will differ from training)")
            return outcome
        }
        if graph.isShard {
            // A shard's halo rows have no edges of their own: self loops cannot be fixed in a copy of one.
            throw GNNError(problem + " (model \(modelPath))", in: graphPath,
                           fix: "pack the whole graph again with \(mismatch.packOptions.joined(separator: " ")) --shards K")
        }
        if let loops = mismatch.selfLoopsOnly {
            outcome.repacked = try withSelfLoops(loops, graphPath, featureDType: graph.section(.nodeFeatures)?.dtype ?? .float32)
            let options = mismatch.packOptions.joined(separator: " ")
            outcome.warnings.append("\(graphPath): \(problem); \(loops == .onePerNode ? "added them" : "removed them") in a copy, "
                + "as pack \(options) does; to skip this step, gnn-serve pack \(graphPath) \(options) -o \(fixedName(graphPath))")
            return outcome
        }
        let fix = mismatch.packOptions.isEmpty
            ? "use a graph packed like the training graph, or pass --allow-graph-mismatch"
            : "pack it again: gnn-serve pack \(graphPath) \(mismatch.packOptions.joined(separator: " ")) -o \(fixedName(graphPath)), or pass --allow-graph-mismatch"
        throw GNNError(problem + " (model \(modelPath))", in: graphPath, fix: fix)
    }

    /// The graph at `path` packed again with one self loop per node (`.onePerNode`, new loops getting the
    /// mean of the node's incoming edge features) or none, into a temporary file that is unlinked once
    /// mapped: the mapping outlives the name, and an interrupted run leaves nothing. Features keep their
    /// stored dtype; rows come in input-id order (a METIS order is not recomputed).
    private static func withSelfLoops(_ loops: ModelGraphContract.SelfLoops, _ path: String, featureDType: DType) throws -> GraphFile {
        let input = try GraphPacker.readInput(path, featuresPath: nil, progress: nil)
        let temporary = NSTemporaryDirectory() + "gnn-serve-predict-\(getpid())-\(UUID().uuidString).bin"
        let adjacency = AdjacencyOptions(selfLoops: loops == .onePerNode ? .add : .remove)
        _ = try GraphPacker.pack(input, to: temporary, options: PackOptions(adjacency: adjacency, featureDType: featureDType),
                                 source: path)
        defer { unlink(temporary) }
        return try GraphFile(path: temporary)
    }

    /// `data/graph.bin` → `data/graph.fixed.bin`: where the suggested `pack` writes.
    static func fixedName(_ path: String) -> String {
        let stem = (path as NSString).deletingPathExtension
        let ext = (path as NSString).pathExtension
        return stem + ".fixed." + (ext.isEmpty ? "bin" : ext)
    }
}
