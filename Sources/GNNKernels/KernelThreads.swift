import GNNConcurrency
import Synchronization

/// The worker threads every kernel runs on, and the fixed work split that makes results independent of
/// how many there are.
///
/// Work is cut into blocks whose boundaries depend only on the problem size (`blockRows`), never on the
/// thread count; each block is computed by one thread in a fixed order. So 1, 2 or 16 threads give the
/// same bits.
public enum KernelThreads {
    private static let configured = Atomic<Int>(0)

    /// Worker threads used by kernels (default: all cores).
    public static var count: Int {
        let value = configured.load(ordering: .relaxed)
        return value > 0 ? value : ParallelLoop.processorCount
    }

    /// Sets the number of worker threads (0: all cores).
    public static func configure(threads: Int) {
        configured.store(max(0, threads), ordering: .relaxed)
    }

    /// Rows per block: small enough to balance load, large enough that per-block overhead vanishes.
    public static let blockRows = 256

    /// Elements per block of loops over flat arrays (elementwise updates): 64 Ki floats, so that per-block
    /// overhead vanishes.
    public static let flatBlockLength = 1 << 16

    /// Runs `body` on every block of `rows` rows, on `count` threads, each block exactly once.
    public static func forEachBlock(rows: Int, blockRows: Int = KernelThreads.blockRows, _ body: (Range<Int>) -> Void) {
        let blocks = (rows + blockRows - 1) / blockRows
        ParallelLoop.run(blocks, workers: count) { b in
            body(b * blockRows..<min(rows, (b + 1) * blockRows))
        }
    }
}
