import GNNFormats
import GNNKernels

/// z = f(z) over one flat state of `count` floats (the whole graph's N × D node states: the graph is one
/// system, so residuals and step sizes are taken over all of it).
struct FixedPointProblem {
    let count: Int
    /// Floats per node row (D): residuals and inner products are summed a row at a time by `sums`.
    let rowLength: Int
    /// Sums over the graph's rows, the same bits on a whole graph and on any split into shards.
    let sums: NodeSums
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

extension FixedPointProblem {
    /// `width` sums over the state's rows (`NodeSums.compute`): `body(range, partials)` adds one row's terms.
    func sum(width: Int, _ body: (Range<Int>, UnsafeMutablePointer<Double>) -> Void) -> [Float] {
        sums.compute(width: width, rowLength: rowLength, body).map { Float($0) }
    }

    /// Squared norms ‖image − z‖² and ‖image‖², the two numbers a residual needs.
    func residualSums(image: UnsafePointer<Float>, z: UnsafePointer<Float>) -> (difference: Float, image: Float) {
        let sums = sum(width: 2) { range, partial in
            let row = BlockSums.differenceAndNorm(image, z, range)
            partial[0] += Double(row.difference)
            partial[1] += Double(row.norm)
        }
        return (sums[0], sums[1])
    }
}
