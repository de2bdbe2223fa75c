/// Block-sized output tiles for a kernel that finishes each block of rows (`KernelThreads.forEachBlock`'s)
/// in one visit: the tile of a block is allocated when the block starts, holds its rows while they are
/// summed, goes to `consume` when they are final, and is freed — so no N × C output exists.
///
/// Blocks start and finish on one thread each; the table of open tiles (one pointer per block of the graph)
/// is written by that thread only.
final class BlockTiles: @unchecked Sendable {
    private let channels: Int
    private let blockRows = KernelThreads.blockRows
    private let open: UnsafeMutablePointer<UnsafeMutablePointer<Float>?>
    private let consume: (Range<Int>, UnsafeMutablePointer<Float>) -> Void

    init(rows: Int, channels: Int, consume: @escaping (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        self.channels = channels
        self.consume = consume
        let blockCount = (rows + blockRows - 1) / blockRows
        open = .allocate(capacity: max(blockCount, 1))
        open.initialize(repeating: nil, count: max(blockCount, 1))
    }

    deinit { open.deallocate() }

    /// Allocates the tile of the block `rows` (uninitialised) and returns it.
    func open(_ rows: Range<Int>) -> UnsafeMutablePointer<Float> {
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: rows.count * channels)
        open[rows.lowerBound / blockRows] = tile
        return tile
    }

    /// Row v of its block's open tile.
    @inline(__always)
    func row(_ v: Int) -> UnsafeMutablePointer<Float> {
        open[v / blockRows].unsafelyUnwrapped + (v % blockRows) * channels
    }

    /// Hands the block's final rows to `consume`, then frees its tile (opened by `open(rows)`).
    func close(_ rows: Range<Int>) {
        let slot = rows.lowerBound / blockRows
        let tile = open[slot].unsafelyUnwrapped
        consume(rows, tile)
        tile.deallocate()
        open[slot] = nil
    }
}
