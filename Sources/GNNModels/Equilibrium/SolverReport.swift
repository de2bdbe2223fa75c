import Foundation
import GNNFormats

/// What a fixed-point solve did: `--stats` prints it, `--strict` fails on `converged == false`.
public struct SolverReport: Sendable, Equatable {
    public var method: SolverSpec.Method
    public var stopMode: SolverSpec.StopMode
    public var tolerance: Float
    /// Evaluations of f (each costs two graph convolutions); the iteration count of every method.
    public var evaluations: Int
    /// The residual (of `stopMode`) of every evaluated iterate, in order.
    public var residuals: [Float]
    /// The iterate whose image is returned: the one with the lowest residual (1-based).
    public var bestIteration: Int
    /// Its residuals: relative ‖f(z) − z‖ / (‖f(z)‖ + ε) and absolute ‖f(z) − z‖.
    public var relativeResidual: Float
    public var absoluteResidual: Float
    /// Whether that residual is at most the tolerance.
    public var converged: Bool

    /// The residual the tolerance applies to.
    public var finalResidual: Float { stopMode == .relative ? relativeResidual : absoluteResidual }

    /// One line for `--stats`: method, iterations, final residual against the tolerance.
    public var summary: String {
        "solver \(method.rawValue): \(evaluations) iterations (evaluations of f), \(stopMode.rawValue) residual "
            + Self.scientific(finalResidual) + (converged ? " ≤ " : " > ") + "tolerance " + Self.scientific(tolerance)
            + " at iteration \(bestIteration)" + (converged ? "" : ", not converged")
    }

    /// One line for `--stats`: the residual of every iteration.
    public var history: String {
        "residuals " + residuals.map(Self.scientific).joined(separator: " ")
    }

    /// One line for a solve that stopped above its tolerance, with what to do about it.
    public var shortfall: String {
        "the \(method.rawValue) solve stopped after \(evaluations) iterations at \(stopMode.rawValue) residual "
            + Self.scientific(finalResidual) + ", above the tolerance " + Self.scientific(tolerance)
    }

    private static func scientific(_ value: Float) -> String { String(format: "%.2e", Double(value)) }
}

/// The bookkeeping every solver shares: the residual history, the stopping test, and a copy of the image
/// f(z) of the lowest-residual iterate, which is what the solve returns (as torchdeq does).
struct ResidualTrace {
    /// ε of the relative residual, as in torchdeq.
    static let epsilon: Float = 1e-9

    let settings: SolverSettings
    /// The best image so far; `count` floats.
    let best: UnsafeMutablePointer<Float>
    let count: Int
    private(set) var residuals: [Float] = []
    private var lowest = (relative: Float.infinity, absolute: Float.infinity, iteration: 0)

    /// `best` starts as a copy of `initial`, which is returned if no evaluation gives a finite residual.
    init(settings: SolverSettings, best: UnsafeMutablePointer<Float>, initial: UnsafePointer<Float>, count: Int) {
        self.settings = settings
        self.best = best
        self.count = count
        copy(initial, into: best, count: count)
    }

    var evaluations: Int { residuals.count }
    var budgetLeft: Bool { evaluations < settings.maxIterations }

    /// Records an evaluation from ‖f(z) − z‖² and ‖f(z)‖², keeps `image` if it is the best so far, and
    /// says whether the solve may stop (tolerance reached).
    mutating func record(squaredDifference: Float, squaredImage: Float, image: UnsafePointer<Float>) -> Bool {
        let absolute = squaredDifference.squareRoot()
        let relative = absolute / (squaredImage.squareRoot() + Self.epsilon)
        let residual = settings.stopMode == .relative ? relative : absolute
        residuals.append(residual)
        // A NaN residual never counts as lowest, so a diverging solve still returns its best finite iterate.
        if residual < (settings.stopMode == .relative ? lowest.relative : lowest.absolute) {
            lowest = (relative, absolute, residuals.count)
            copy(image, into: best, count: count)
        }
        return residual <= settings.tolerance
    }

    var report: SolverReport {
        SolverReport(method: settings.method, stopMode: settings.stopMode, tolerance: settings.tolerance,
                     evaluations: evaluations, residuals: residuals, bestIteration: lowest.iteration,
                     relativeResidual: lowest.relative, absoluteResidual: lowest.absolute,
                     converged: (settings.stopMode == .relative ? lowest.relative : lowest.absolute) <= settings.tolerance)
    }
}
