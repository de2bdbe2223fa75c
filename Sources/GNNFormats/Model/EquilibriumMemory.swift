/// The activation memory of a DEQ model's forward pass, in copies of the N × D state: the one formula behind
/// `gnn-serve info`'s estimate, `predict --help` and the engine's buffers. None of it grows with the number
/// of iterations.
public enum EquilibriumMemory {
    /// f's own buffers: X (the encoded features), Z' and Z''.
    public static let functionCopies = 3

    /// Copies the solver keeps with history `memory`, the state itself included: Picard O(N·D) — the
    /// iterate, its image and the best image; Anderson O(m·N·D) — m images, m residuals, the iterate and the
    /// best image; Broyden O(m·N·D) — m pairs of rank-one factors, the iterate, its image, g, the step and
    /// the best image.
    public static func solverCopies(_ method: SolverSpec.Method, memory: Int) -> Int {
        switch method {
        case .picard: 3
        case .anderson: 2 * memory + 2
        case .broyden: 2 * memory + 5
        }
    }

    /// Solver and f together; the convolution's scratch (one N × D buffer for GCN) comes on top.
    public static func copies(_ method: SolverSpec.Method, memory: Int) -> Int {
        solverCopies(method, memory: memory) + functionCopies
    }
}
