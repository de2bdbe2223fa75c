import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The one way this project runs work on several threads: numbered pieces, each run exactly once, pulled
/// in order from a shared counter by a bounded number of workers.
///
/// Which thread runs a piece never changes what the piece computes, so callers that cut their work by the
/// problem's size alone (as `KernelThreads` does) get the same bits for any thread count.
public enum ParallelLoop {
    /// Online processors: the default number of workers.
    public static var processorCount: Int {
        #if canImport(Glibc)
        return max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        return 1
        #endif
    }

    /// Calls `body(piece)` for every piece in `0..<count`, on at most `workers` threads at once (default: all
    /// processors); returns when all are done.
    ///
    /// Each piece must touch memory no other piece writes. Pointers captured by `body` are the caller's
    /// responsibility (carry them in `UnsafeTransfer`).
    public static func run(_ count: Int, workers: Int = processorCount, _ body: (Int) -> Void) {
        let workers = min(workers, count)
        guard workers > 1 else {
            for piece in 0..<max(count, 0) { body(piece) }
            return
        }
        let next = Atomic<Int>(0)
        withoutActuallyEscaping(body) { body in
            let shared = UnsafeTransfer(body)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while true {
                    let piece = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    if piece >= count { break }
                    shared.value(piece)
                }
            }
        }
    }

    /// Splits `0..<total` into about `pieces` contiguous ranges and runs `body` on each concurrently.
    public static func ranges(_ total: Int, pieces: Int, _ body: (Range<Int>) -> Void) {
        let pieces = max(1, min(pieces, total))
        run(pieces) { piece in
            body(total * piece / pieces..<total * (piece + 1) / pieces)
        }
    }
}
