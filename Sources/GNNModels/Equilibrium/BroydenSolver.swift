import GNNKernels

/// Limited-memory ("good") Broyden's method on g(z) = f(z) − z, in torchdeq's formulation (`broyden_solver`
/// without line search).
///
/// The inverse Jacobian of g is approximated as −I + Σ_l u_l v_lᵀ with at most m rank-one terms (a ring:
/// the oldest is overwritten), never as an N·D × N·D matrix. A step is z ← z + Δ with
/// Δ = −(−I + U Vᵀ) g(z); after it, with Δg the change of g, the new pair is
/// vᵀ = Δᵀ(−I + U Vᵀ) and u = (Δ − (−I + U Vᵀ) Δg) / (vᵀ Δg). Non-finite entries of u and v are set to 0, so
/// a degenerate update is skipped rather than spread. It returns the image of the lowest-residual iterate.
///
/// Memory: 2m + 5 copies of the state (m pairs u, v, the iterate, its image, g, the step and the best
/// image), O(m·N·D).
struct BroydenSolver: FixedPointSolver {
    let settings: SolverSettings

    func solve(_ problem: FixedPointProblem, state x: UnsafeMutablePointer<Float>, workspace: Workspace,
               progress: (Int) -> Void) throws -> SolverReport {
        let count = problem.count, m = settings.memory
        let buffers = try workspace.states("broyden", copies: settings.stateCopies - 1, count: count)
        let u = buffers, v = buffers + m * count
        let g = buffers + 2 * m * count, image = g + count, step = image + count, best = step + count
        var trace = ResidualTrace(settings: settings, best: best, initial: x, count: count)

        /// Evaluates f at x and records the residual; true when the solve should stop.
        func evaluate() throws -> Bool {
            try problem.evaluate(x, image)
            let sums = problem.residualSums(image: image, z: x)
            let done = trace.record(squaredDifference: sums.difference, squaredImage: sums.image, image: image)
            progress(trace.evaluations)
            return done || !trace.budgetLeft
        }

        if try evaluate() {
            copy(best, into: x, count: count)
            return trace.report
        }
        // No history yet: the first step is g itself.
        KernelThreads.forEachBlock(rows: count, blockRows: BlockSums.blockLength) { range in
            for i in range {
                g[i] = image[i] - x[i]
                step[i] = g[i]
            }
        }
        var updates = 0
        while true {
            KernelThreads.forEachBlock(rows: count, blockRows: BlockSums.blockLength) { range in
                for i in range { x[i] += step[i] }
            }
            if try evaluate() { break }
            // Δg into `image` (no longer needed), g updated.
            let dg = image
            KernelThreads.forEachBlock(rows: count, blockRows: BlockSums.blockLength) { range in
                for i in range {
                    let current = image[i] - x[i]
                    dg[i] = current - g[i]
                    g[i] = current
                }
            }
            let used = min(updates, m), slot = updates % m
            let products = problem.sum(width: 2 * used) { range, partial in
                for l in 0..<used {
                    partial[l] += Double(BlockSums.dot(step, u + l * count, range))
                    partial[used + l] += Double(BlockSums.dot(v + l * count, dg, range))
                }
            }
            let newV = v + slot * count, newU = u + slot * count
            let denominator = problem.sum(width: 1) { range, partial in
                // The slot's own old term first, in place, since the new v overwrites it when the ring is full
                // (a slot not yet used holds no term, and its memory is not initialised).
                if slot < used {
                    let c = products[slot]
                    for i in range { newV[i] = -step[i] + c * newV[i] }
                } else {
                    for i in range { newV[i] = -step[i] }
                }
                for l in 0..<used where l != slot {
                    let c = products[l], vl = v + l * count
                    for i in range { newV[i] += c * vl[i] }
                }
                for i in range where !newV[i].isFinite { newV[i] = 0 }
                partial[0] += Double(BlockSums.dot(newV, dg, range))
            }[0]
            KernelThreads.forEachBlock(rows: count, blockRows: BlockSums.blockLength) { range in
                if slot < used {
                    let e = products[used + slot]
                    for i in range { newU[i] = step[i] + dg[i] - e * newU[i] }
                } else {
                    for i in range { newU[i] = step[i] + dg[i] }
                }
                for l in 0..<used where l != slot {
                    let e = products[used + l], ul = u + l * count
                    for i in range { newU[i] -= e * ul[i] }
                }
                for i in range {
                    let value = newU[i] / denominator
                    newU[i] = value.isFinite ? value : 0
                }
            }
            updates += 1
            let terms = min(updates, m)
            let weights = problem.sum(width: terms) { range, partial in
                for l in 0..<terms { partial[l] += Double(BlockSums.dot(v + l * count, g, range)) }
            }
            KernelThreads.forEachBlock(rows: count, blockRows: BlockSums.blockLength) { range in
                for i in range { step[i] = g[i] }
                for l in 0..<terms {
                    let w = weights[l], ul = u + l * count
                    for i in range { step[i] -= w * ul[i] }
                }
            }
        }
        copy(best, into: x, count: count)
        return trace.report
    }
}
