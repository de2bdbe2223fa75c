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
    public static func prefetch(_ start: UnsafeRawPointer, count: Int) {
        guard count > 0 else { return }
        var offset = 0
        while offset < count {
            gnn_prefetch(start + offset)
            offset += bytes
        }
        gnn_prefetch(start + count - 1)
    }

    /// Asks for every cache line of `count` bytes at `start`, to be written.
    @inline(__always)
    public static func prefetchForWriting(_ start: UnsafeRawPointer, count: Int) {
        guard count > 0 else { return }
        var offset = 0
        while offset < count {
            gnn_prefetch_write(start + offset)
            offset += bytes
        }
        gnn_prefetch_write(start + count - 1)
    }
}
