import GNNFormats
import GNNKernels

/// z = f(z) over one flat state of `count` floats (the whole graph's N × D node states: the graph is one
/// system, so residuals and step sizes are taken over all of it).
struct FixedPointProblem {
    let count: Int
    /// Writes f(z) into `out`; `z` and `out` never overlap.
    let evaluate: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) throws -> Void
}

/// A method that solves a `FixedPointProblem`.
protocol FixedPointSolver {
    /// Starts from `state` and leaves in it the image f(z) of the lowest-residual iterate. Scratch comes from
    /// `workspace`; `progress(evaluations)` is called after each evaluation of f.
    func solve(_ problem: FixedPointProblem, state: UnsafeMutablePointer<Float>, workspace: Workspace,
               progress: (Int) -> Void) throws -> SolverReport
}

extension SolverSettings {
    /// The solver these settings name.
    var solver: any FixedPointSolver {
        switch method {
        case .picard: PicardSolver(settings: self)
        case .anderson: AndersonSolver(settings: self)
        case .broyden: BroydenSolver(settings: self)
        }
    }
}

extension Workspace {
    /// `copies` consecutive state vectors of `count` floats, or an error when their size overflows. A solver
    /// asks for `settings.stateCopies − 1`: the state it is handed is the last of its copies.
    func states(_ purpose: String, copies: Int, count: Int) throws -> UnsafeMutablePointer<Float> {
        let (total, overflow) = copies.multipliedReportingOverflow(by: count)
        guard !overflow else {
            throw GNNError("a solver history of \(copies) states of \(count) values does not fit in memory",
                           fix: "use a smaller --memory")
        }
        return try buffer(purpose, count: total)
    }
}

/// out = source (a parallel copy of `count` floats).
func copy(_ source: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
    KernelThreads.forEachBlock(rows: count, blockRows: BlockSums.blockLength) { range in
        (out + range.lowerBound).update(from: source + range.lowerBound, count: range.count)
    }
}

/// Squared norms ‖image − z‖² and ‖image‖², the two numbers a residual needs.
func residualSums(image: UnsafePointer<Float>, z: UnsafePointer<Float>, count: Int) -> (difference: Float, image: Float) {
    let sums = BlockSums.compute(count: count, width: 2) { range, partial in
        let block = BlockSums.differenceAndNorm(image, z, range)
        partial[0] += block.difference
        partial[1] += block.norm
    }
    return (sums[0], sums[1])
}
