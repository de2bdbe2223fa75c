/// The activation memory of a DEQ model's forward pass, in copies of the N × D state: the one formula behind
/// `gnn-serve info`'s estimate, `predict --help` and the engine's buffers. None of it grows with the number
/// of iterations.
public enum EquilibriumMemory {
    /// f's own buffers: X (the encoded features), Z' and Z''.
    public static let functionCopies = 3

    /// Copies the solver keeps with history length m, the state itself included, as
    /// `perHistoryEntry · m + fixed`: Picard 3, O(N·D) — the iterate, its image and the best image; Anderson
    /// 2m + 2, O(m·N·D) — m images, m residuals, the iterate and the best image; Broyden 2m + 5, O(m·N·D) —
    /// m pairs of rank-one factors, the iterate, its image, g, the step and the best image.
    public static func solverCopiesFormula(_ method: SolverSpec.Method) -> (perHistoryEntry: Int, fixed: Int) {
        switch method {
        case .picard: (0, 3)
        case .anderson: (2, 2)
        case .broyden: (2, 5)
        }
    }

    /// `solverCopiesFormula` evaluated for history length `memory`.
    public static func solverCopies(_ method: SolverSpec.Method, memory: Int) -> Int {
        let formula = solverCopiesFormula(method)
        return formula.perHistoryEntry * memory + formula.fixed
    }

    /// Solver and f together; the convolution's scratch (one N × D buffer for GCN) comes on top.
    public static func copies(_ method: SolverSpec.Method, memory: Int) -> Int {
        solverCopies(method, memory: memory) + functionCopies
    }

    /// `solverCopiesFormula` as text, with m for the history length: `3`, `2m+2`.
    public static func solverCopiesText(_ method: SolverSpec.Method) -> String {
        let formula = solverCopiesFormula(method)
        return formula.perHistoryEntry == 0 ? "\(formula.fixed)" : "\(formula.perHistoryEntry)m+\(formula.fixed)"
    }

    /// How the solver's share grows: `O(N·D)` without a history, else `O(m·N·D)`.
    public static func order(_ method: SolverSpec.Method) -> String {
        solverCopiesFormula(method).perHistoryEntry == 0 ? "O(N·D)" : "O(m·N·D)"
    }
}
