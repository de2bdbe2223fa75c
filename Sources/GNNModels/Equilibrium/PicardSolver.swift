import GNNKernels

/// Damped fixed-point (Picard) iteration: z ← τ·f(z) + (1 − τ)·z, stopping when the residual of the last
/// iterate is within tolerance or after `maxIterations` evaluations.
///
/// Memory: three copies of the state (iterate, image, best image), O(N·D).
struct PicardSolver: FixedPointSolver {
    let settings: SolverSettings

    func solve(_ problem: FixedPointProblem, state: UnsafeMutablePointer<Float>, workspace: Workspace,
               progress: (Int) -> Void) throws -> SolverReport {
        let count = problem.count
        let buffers = try workspace.states("picard", copies: settings.stateCopies - 1, count: count)
        let image = buffers, best = buffers + count
        var trace = ResidualTrace(settings: settings, best: best, initial: state, count: count)
        let tau = settings.damping
        while trace.budgetLeft {
            try problem.evaluate(state, image)
            let sums = problem.residualSums(image: image, z: state)
            let done = trace.record(squaredDifference: sums.difference, squaredImage: sums.image, image: image)
            progress(trace.evaluations)
            if done { break }
            KernelThreads.forEachBlock(rows: count, blockRows: BlockSums.blockLength) { range in
                for i in range { state[i] = tau * image[i] + (1 - tau) * state[i] }
            }
        }
        copy(best, into: state, count: count)
        return trace.report
    }
}
