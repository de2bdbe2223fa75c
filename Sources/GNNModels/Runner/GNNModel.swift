import GNNFormats
import GNNKernels

/// A model ready to run: its architecture and weights loaded from a model file.
///
/// ```swift
/// let model = try GNNModel(ModelFile(path: "model.gnnz"))
/// let graph = try GraphFile(path: "graph.bin")
/// let result = try ForwardPass.run(model, on: graph)
/// ```
public final class GNNModel: Sendable {
    public let architecture: ModelArchitecture
    /// The state storage the file recommends (`gnn-export --state-dtype`), if it names one this reader
    /// knows; `ForwardPass.run` uses it when not told otherwise (`StateDTypeSupport.resolve`).
    public let recommendedStateDType: StateDType?
    let body: Body

    enum Body: Sendable {
        case reversible(ReversibleModel)
        case residual(ResidualModel)
        case equilibrium(EquilibriumModel)
        case gcnii(GCNIIModel)

        /// A DEQ model's stored solver settings; `nil` for the other families.
        var equilibriumSettings: SolverSettings? {
            if case .equilibrium(let model) = self { model.settings } else { nil }
        }
    }

    /// Builds the model the file describes, reading every tensor its architecture needs; refuses a file
    /// whose tensors are not exactly those (`WeightAudit.check`).
    public convenience init(_ file: ModelFile) throws {
        try WeightAudit.check(file)
        do {
            try self.init(file.metadata.architecture, WeightReader(file: file),
                          recommendedStateDType: file.metadata.stateDtype.flatMap(StateDType.init(rawValue:)))
        } catch let error as GNNError {
            throw error.located(at: file.path)
        }
    }

    /// Builds the model `architecture` describes from the tensors `weights` offers.
    init(_ architecture: ModelArchitecture, _ weights: WeightReader, recommendedStateDType: StateDType? = nil) throws {
        self.architecture = architecture
        self.recommendedStateDType = recommendedStateDType
        switch architecture.family {
        case .revgnn, .wtRevgnn: body = .reversible(try ReversibleModel(architecture, weights))
        case .resgnn, .wtResgnn: body = .residual(try ResidualModel(architecture, weights))
        case .deq: body = .equilibrium(try EquilibriumModel(architecture, weights))
        case .gcnii: body = .gcnii(try GCNIIModel(architecture, weights))
        }
    }

    /// The solver settings stored in the file (DEQ models only), with defaults filled in.
    public var solverSettings: SolverSettings? {
        if case .equilibrium(let model) = body { return model.settings }
        return nil
    }
}
