import GNNFormats

/// A DEQ model's solver settings with every default filled in.
///
/// Built from the file's `solver` object (`formats/model.md` §8.4); `predict` then applies its overrides.
public struct SolverSettings: Sendable, Equatable {
    public var method: SolverSpec.Method
    public var tolerance: Float
    /// Most evaluations of f.
    public var maxIterations: Int
    /// Anderson and Broyden: history length m.
    public var memory: Int
    /// Picard and Anderson: damping τ, the weight of f(z) in the next iterate.
    public var damping: Float
    /// Anderson: Tikhonov regularisation λ of the Gram matrix.
    public var regularization: Float
    public var stopMode: SolverSpec.StopMode
    public var initialState: SolverSpec.InitialState

    /// Resolves `spec`, whose values the model file's reader has checked (`SolverSpec.rangeProblem`).
    public init(_ spec: SolverSpec) {
        method = spec.method
        tolerance = spec.tolerance
        maxIterations = spec.maxIterations
        memory = spec.memory ?? SolverSpec.defaultMemory
        damping = spec.damping ?? SolverSpec.defaultDamping
        regularization = spec.regularization ?? SolverSpec.defaultRegularization
        stopMode = spec.stopMode ?? .relative
        initialState = spec.initialState ?? .zeros
    }

    /// Copies of the N × D state the solver keeps (`EquilibriumMemory.solverCopies`).
    public var stateCopies: Int { EquilibriumMemory.solverCopies(method, memory: memory) }
}
