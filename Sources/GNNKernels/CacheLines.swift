import CPrefetch

/// Software prefetch of whole byte ranges, the one home of the cache-line size the kernels assume.
///
/// Gathers that read rows at random wait for memory on each row; asking for rows some steps ahead overlaps
/// those waits. A prefetch never faults and changes no result, so a wrong guess costs only bandwidth.
public enum CacheLines {
    /// Bytes of a cache line on the processors this runs on (x86-64, and most ARM cores).
    public static let bytes = 64

    /// Asks for the cache line holding `address`, to be read.
    @inline(__always)
    public static func prefetch(_ address: UnsafeRawPointer) { gnn_prefetch(address) }

    /// Asks for every cache line of `count` bytes at `start` (any alignment), to be read.
    @inline(__always)
    public static func prefetch(_ start: UnsafeRawPointer, count: Int) { eachLine(start, count, gnn_prefetch) }

    /// Asks for every cache line of `count` bytes at `start`, to be written.
    @inline(__always)
    public static func prefetchForWriting(_ start: UnsafeRawPointer, count: Int) { eachLine(start, count, gnn_prefetch_write) }

    /// Calls `ask` with the start of each cache line the `count` bytes at `start` touch, once each.
    @inline(__always)
    private static func eachLine(_ start: UnsafeRawPointer, _ count: Int, _ ask: (UnsafeRawPointer) -> Void) {
        guard count > 0 else { return }
        let end = start + count
        var line = UnsafeRawPointer(bitPattern: Int(bitPattern: start) & -bytes)!
        while line < end {
            ask(line)
            line += bytes
        }
    }
}
