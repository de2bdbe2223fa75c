/// Refreshes the halo rows of a shard (`formats/graph.md` §6.2) from the shards that own them.
///
/// A forward pass over a shard computes its owned rows exactly as a pass over the whole graph does, as long
/// as every row an aggregation reads holds the owner's value: the runner calls `exchange` on a
/// convolution's input just before the convolution reads it (`GraphContext.exchangeHalo`). Rows computed
/// row by row (linears, row-wise norms, activations) need nothing; halo rows of other buffers hold values
/// nobody reads.
public protocol HaloExchange: AnyObject, Sendable {
    /// Overwrites the halo rows of `rows` (the shard's N rows of `rowBytes` bytes each, back to back: float32
    /// or 16-bit values, moved as they are stored) with their owners' rows, and sends this shard's rows that
    /// others read. Every shard calls it at the same point of the same pass, with the same `rowBytes`.
    func exchange(_ rows: UnsafeMutableRawPointer, rowBytes: Int)
}
