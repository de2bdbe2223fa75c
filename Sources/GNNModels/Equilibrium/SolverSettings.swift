import GNNFormats

/// A DEQ model's solver settings with every default filled in and every value checked.
///
/// Built from the file's `solver` object (`formats/model.md` §8.4), after `predict`'s overrides.
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

    /// Histories longer than this would cost more memory than they could save iterations.
    public static let memoryLimit = 256
    public static let iterationLimit = 1_000_000

    /// Resolves `spec`, or says which value is out of range.
    public init(_ spec: SolverSpec) throws {
        method = spec.method
        tolerance = spec.tolerance
        maxIterations = spec.maxIterations
        memory = spec.memory ?? SolverSpec.defaultMemory
        damping = spec.damping ?? SolverSpec.defaultDamping
        regularization = spec.regularization ?? SolverSpec.defaultRegularization
        stopMode = spec.stopMode ?? .relative
        initialState = spec.initialState ?? .zeros
        if let problem = Self.rangeProblem(tolerance: tolerance, maxIterations: maxIterations, memory: memory,
                                           damping: damping, regularization: regularization, naming: .file) {
            throw GNNError("solver setting \(problem)", fix: "correct the solver object of the architecture and export the model again")
        }
    }

    /// How `rangeProblem` names a value: as the file's key or as `predict`'s option.
    public enum Naming: Sendable {
        case file, commandLine
    }

    /// The first value outside its range, or nil when all are usable. The same check serves file values
    /// and command-line overrides.
    public static func rangeProblem(tolerance: Float?, maxIterations: Int?, memory: Int?, damping: Float?,
                                    regularization: Float?, naming: Naming) -> String? {
        let cli = naming == .commandLine
        if let tolerance, !(tolerance.isFinite && tolerance > 0) {
            return "\(cli ? "--tol" : "tolerance") is \(tolerance); it must be a positive number"
        }
        if let maxIterations, !(1...iterationLimit).contains(maxIterations) {
            return "\(cli ? "--max-iter" : "max_iterations") is \(maxIterations); it must be 1 to \(iterationLimit)"
        }
        if let memory, !(1...memoryLimit).contains(memory) {
            return "\(cli ? "--memory" : "memory") is \(memory); it must be 1 to \(memoryLimit)"
        }
        if let damping, !(damping > 0 && damping <= 1) {
            return "\(cli ? "--damping" : "damping") is \(damping); it must be in (0, 1]"
        }
        if let regularization, !(regularization.isFinite && regularization >= 0) {
            return "regularization is \(regularization); it must be a number ≥ 0"
        }
        return nil
    }

    /// Copies of the N × D state the solver keeps (`EquilibriumMemory.solverCopies`).
    public var stateCopies: Int { EquilibriumMemory.solverCopies(method, memory: memory) }
}
