import GNNFormats

/// A model and a graph opened and checked for a forward pass, as both `predict` and `serve` need them:
/// the model built, the graph's features matched to it, the graph checked against the graph the model
/// was trained on (`GraphContractCheck`, which may pack a copy with the self loops the model expects),
/// its structure verified, and NaN or infinite input refused (`NonFiniteInputCheck`).
public struct ScoringInputs: Sendable {
    public let modelFile: ModelFile
    public let model: GNNModel
    /// The graph to run on: the file at the given path, or its repacked copy.
    public let graph: GraphFile
    /// Lines for stderr or the log: mismatches allowed, loops fixed in a copy, non-finite values allowed.
    public let warnings: [String]

    /// Opens and checks `modelPath` and `graphPath`; throws one `GNNError` line for the first problem.
    /// `prepareModel` runs once the model is built and before the graph is opened, so that errors about
    /// the command line's model options come before slower graph checks.
    public static func open(model modelPath: String, graph graphPath: String, allowGraphMismatch: Bool = false,
                            allowNonfinite: Bool = false, prepareModel: (GNNModel) throws -> Void = { _ in }) throws -> ScoringInputs {
        let modelFile = try ModelFile(path: modelPath)
        let model = try GNNModel(modelFile)
        try prepareModel(model)
        var graph = try GraphFile(path: graphPath)
        try ForwardPass.checkCompatible(model, graph)
        let contract = try GraphContractCheck.check(modelFile.metadata.graph, graph: graph, graphPath: graphPath,
                                                    modelPath: modelPath, allow: allowGraphMismatch)
        if let repacked = contract.repacked { graph = repacked }
        var warnings = contract.warnings
        if let unknown = StateDTypeSupport.unknownRecommendation(modelFile, model) { warnings.append(unknown) }
        let structure = try graph.verifyStructure()
        if let warning = try NonFiniteInputCheck.check(structure, graph: graph, graphPath: graphPath,
                                                         readsEdgeFeatures: model.architecture.edgeChannels > 0,
                                                         allow: allowNonfinite) {
            warnings.append(warning)
        }
        return ScoringInputs(modelFile: modelFile, model: model, graph: graph, warnings: warnings)
    }
}
