import Foundation

/// Wall-clock timing of repeated runs.
enum Stopwatch {
    /// The shortest of `runs` timings of `body`, in seconds: the run least disturbed by other work.
    static func best(of runs: Int, _ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<max(1, runs) {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        }
        return best
    }
}
