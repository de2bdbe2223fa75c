import GNNKernels

/// Anderson acceleration in torchdeq's formulation (`anderson_solver`).
///
/// It keeps the last n ≤ m images F_j = f(x_j) and residuals G_j = F_j − x_j. Each step solves the bordered
/// least-squares system
///
///     [ 0   1ᵀ         ] [ b ]   [ 1 ]
///     [ 1   G·Gᵀ + λI  ] [ α ] = [ 0 ]
///
/// (the α with Σα = 1 that minimises ‖Σ α_j G_j‖² + λ‖α‖²), then mixes x = τ·Σ α_j F_j + (1 − τ)·Σ α_j x_j
/// and evaluates f(x). The first step (n = 1) is a damped Picard step. It returns the image of the iterate
/// with the lowest residual.
///
/// Memory: 2m + 2 copies of the state (m images, m residuals, the iterate, the best image), O(m·N·D). The
/// Gram matrix G·Gᵀ is kept and updated by one row per step, so a step reads the history once.
struct AndersonSolver: FixedPointSolver {
    let settings: SolverSettings

    func solve(_ problem: FixedPointProblem, state x: UnsafeMutablePointer<Float>, workspace: Workspace,
               progress: (Int) -> Void) throws -> SolverReport {
        let count = problem.count, m = settings.memory
        let history = try workspace.states("anderson", copies: settings.stateCopies - 1, count: count)
        let images = history, residuals = history + m * count, best = history + 2 * m * count
        var trace = ResidualTrace(settings: settings, best: best, initial: x, count: count)
        var gram = [Float](repeating: 0, count: m * m)
        let tau = settings.damping
        var step = 0
        while trace.budgetLeft {
            let used = min(step, m)
            if step > 0 {
                let alpha = mixingWeights(gram: gram, used: used, newest: (step - 1) % m, m: m)
                // x = Σ α_j (F_j − (1 − τ) G_j) = τ Σ α_j F_j + (1 − τ) Σ α_j x_j, since x_j = F_j − G_j.
                KernelThreads.forEachBlock(rows: count, blockRows: BlockSums.blockLength) { range in
                    for i in range { x[i] = 0 }
                    for j in 0..<used {
                        let image = images + j * count, residual = residuals + j * count
                        let a = alpha[j], b = alpha[j] * (1 - tau)
                        for i in range { x[i] += a * image[i] - b * residual[i] }
                    }
                }
            }
            let slot = step % m
            let image = images + slot * count, residual = residuals + slot * count
            try problem.evaluate(x, image)
            // G_slot = F_slot − x, its squared norm, ‖F_slot‖² and its products with the other residuals.
            let others = min(step + 1, m)
            let sums = problem.sum(width: others + 1) { range, partial in
                for i in range { residual[i] = image[i] - x[i] }
                partial[others] += Double(BlockSums.dot(image, image, range))
                for j in 0..<others { partial[j] += Double(BlockSums.dot(residual, residuals + j * count, range)) }
            }
            for j in 0..<others {
                gram[slot * m + j] = sums[j]
                gram[j * m + slot] = sums[j]
            }
            let done = trace.record(squaredDifference: sums[slot], squaredImage: sums[others], image: image)
            progress(trace.evaluations)
            if done { break }
            step += 1
        }
        copy(best, into: x, count: count)
        return trace.report
    }

    /// α from the bordered system over the first `used` history slots, solved by Gaussian elimination with
    /// partial pivoting (in double: the system is tiny and its matrix can be nearly singular). A singular
    /// system falls back to the newest image alone (slot `newest`), a damped Picard step.
    private func mixingWeights(gram: [Float], used n: Int, newest: Int, m: Int) -> [Float] {
        let size = n + 1
        var a = [Double](repeating: 0, count: size * size), b = [Double](repeating: 0, count: size)
        b[0] = 1
        for j in 1..<size {
            a[j] = 1
            a[j * size] = 1
            for k in 1..<size {
                a[j * size + k] = Double(gram[(j - 1) * m + (k - 1)]) + (j == k ? Double(settings.regularization) : 0)
            }
        }
        for column in 0..<size {
            let pivot = (column..<size).max { abs(a[$0 * size + column]) < abs(a[$1 * size + column]) }!
            guard a[pivot * size + column] != 0, a[pivot * size + column].isFinite else {
                var picard = [Float](repeating: 0, count: n)
                picard[newest] = 1
                return picard
            }
            if pivot != column {
                for k in 0..<size { a.swapAt(pivot * size + k, column * size + k) }
                b.swapAt(pivot, column)
            }
            for row in column + 1..<size {
                let factor = a[row * size + column] / a[column * size + column]
                for k in column..<size { a[row * size + k] -= factor * a[column * size + k] }
                b[row] -= factor * b[column]
            }
        }
        for row in stride(from: size - 1, through: 0, by: -1) {
            var value = b[row]
            for k in row + 1..<size { value -= a[row * size + k] * b[k] }
            b[row] = value / a[row * size + row]
        }
        return (1..<size).map { Float(b[$0]) }
    }
}
