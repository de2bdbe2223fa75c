import Foundation
import GNNFormats
import GNNImport

/// `predict`'s check of a graph against the graph its model was trained on (the model's `graph` metadata,
/// formats/model.md §8.9): a graph packed without `--undirected` or `--self-loops add` gives other outputs
/// with no other sign, so a mismatch is refused with the `pack` command that fixes it.
enum GraphContractCheck {
    /// Throws the one-line refusal for a mismatch, unless `allow`; returns warnings for stderr (an allowed
    /// mismatch, or a graph too old to say).
    static func check(_ contract: ModelGraphContract?, graph: GraphFile, graphPath: String, modelPath: String,
                      allow: Bool) throws -> [String] {
        guard let contract, !contract.isEmpty else { return [] }
        var facts = AdjacencyFacts(graph.features)
        var warnings: [String] = []
        if contract.needsUnknownFacts(facts) {
            // Packed before graph format 1.2: measure the mapped rows now (O(M log d), well under 1 % of a
            // forward pass on the arxiv-shaped graph), so old files are checked too.
            if let measured = AdjacencyMeasure.measure(graph) {
                facts = measured
            } else {
                warnings.append("\(graphPath) does not record its symmetry and self loops and its rows are not marked sorted, "
                    + "so the model's expected graph (\(contract.text)) is unchecked; pack it again to check it")
            }
        }
        guard let mismatch = contract.mismatch(with: facts) else { return warnings }
        let problem = mismatch.problems.joined(separator: " and ")
        guard !allow else {
            return warnings + ["\(graphPath): \(problem); going on as --allow-graph-mismatch asks (outputs will differ from training)"]
        }
        let fix = mismatch.packOptions.isEmpty
            ? "use a graph packed like the training graph, or pass --allow-graph-mismatch"
            : "pack it again: gnn-serve pack \(graphPath) \(mismatch.packOptions.joined(separator: " ")) -o \(fixedName(graphPath)), or pass --allow-graph-mismatch"
        throw GNNError(problem + " (model \(modelPath))", in: graphPath, fix: fix)
    }

    /// `data/graph.bin` → `data/graph.fixed.bin`: where the suggested `pack` writes.
    static func fixedName(_ path: String) -> String {
        let stem = (path as NSString).deletingPathExtension
        let ext = (path as NSString).pathExtension
        return stem + ".fixed." + (ext.isEmpty ? "bin" : ext)
    }
}
