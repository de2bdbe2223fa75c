import GNNKernels

/// `BlockChain` for a state stored in 16 bits (`predict --state-dtype bf16|f16`): each block's normalised
/// input is stored as `E` (the rows its conv gathers, at half the bytes), the conv writes float32 rows, and
/// a pass over each block of rows adds them into the state in float32 and rounds the sum once.
///
/// Normalisation runs on float32 copies of a block of rows at a time, from the state as stored (rounded),
/// so that preparing the next block's input right after the update (while the rows are in cache) and
/// preparing it in a pass of its own give the same bits. Needs row-wise norms (`Norm.rowWise`).
///
/// Memory: the caller's 2-byte state, plus N × C values of E (the normalised input) and N × C floats (the
/// conv's output): 6 bytes per channel and node besides the state, against `BlockChain`'s 8 besides a
/// 4-byte state. Where the conv hands its output over a block of rows at a time (SAGE on a graph whose sums
/// run in one source range, e.g. products-shaped), the N × C floats are never allocated: 2 bytes.
final class NarrowBlockChain<Element: StateElement>: StateChain {
    /// Rows computed (and in the state); the normalised inputs hold the graph's source rows.
    private let rows: Int
    private let channels: Int
    private let workspace: Workspace
    private let normed: UnsafeMutablePointer<Element>
    /// The conv's float32 output, allocated the first time a conv cannot hand its output over a block of
    /// rows at a time (`GraphConvolution.forward(_:graph:inBlocks:)`).
    private var result: UnsafeMutablePointer<Float>?
    /// Whether `normed` already holds the next block's normalised input.
    private var prepared = false

    /// A chain over rows of `channels` values on `graph`; `free` is a buffer of `graph.sourceRowCount` rows
    /// the caller no longer needs, used for the normalised inputs (nil: a new one).
    init(_ graph: GraphContext, channels: Int, workspace: Workspace, reusing free: UnsafeMutablePointer<Element>? = nil) throws {
        rows = graph.nodeCount
        self.channels = channels
        self.workspace = workspace
        normed = try free ?? workspace.buffer("narrow.normed", count: graph.sourceRowCount * channels, of: Element.self)
    }

    func run(_ block: GNNBlock, summing inputs: [UnsafePointer<Element>], addingInto out: UnsafeMutablePointer<Element>,
             next: GNNBlock?, graph: GraphContext) throws {
        precondition(block.conv.inChannels == channels && block.conv.outChannels == channels)
        if !prepared { normalize(inputs, block) }
        graph.exchangeHalo(normed, columns: channels)
        let channels = channels
        // Where the conv hands its output over a block at a time, the state takes each block as it comes;
        // the next block's input is then prepared in its own pass, since the conv still gathers `normed`.
        let streamed = block.conv.forward(StoredRows(UnsafePointer(normed)), graph: graph) { rows, values in
            let offset = rows.lowerBound * channels
            StateRows.store(values, into: out + offset, count: rows.count * channels, adding: true)
        }
        if streamed {
            prepared = false
            return
        }
        let result = try result ?? workspace.buffer("narrow.result", count: rows * channels)
        self.result = result
        try block.conv.forward(StoredRows(UnsafePointer(normed)), graph: graph, workspace: workspace, into: result)
        let preparing = next.flatMap { $0.norm.rowWise ? $0 : nil }
        let state = [UnsafePointer(out)]
        KernelThreads.forEachBlock(rows: rows) { rows in
            let offset = rows.lowerBound * channels, count = rows.count * channels
            StateRows.store(result + offset, into: out + offset, count: count, adding: true)
            if let preparing { self.normalize(rows, of: state, for: preparing) }
        }
        prepared = preparing != nil
    }

    /// normed = narrow(activation(norm(Σ inputs))), a block of rows at a time.
    private func normalize(_ inputs: [UnsafePointer<Element>], _ block: GNNBlock) {
        precondition(block.norm.rowWise, "StateDTypeSupport refuses graph-mode norms with a 16-bit state")
        KernelThreads.forEachBlock(rows: rows) { rows in normalize(rows, of: inputs, for: block) }
    }

    /// `normalize` for one block of rows, on the calling thread.
    private func normalize(_ rows: Range<Int>, of inputs: [UnsafePointer<Element>], for block: GNNBlock) {
        let offset = rows.lowerBound * channels, count = rows.count * channels
        withTile(count) { tile in
            StateRows.widen(inputs[0] + offset, count: count, into: tile)
            if inputs.count > 1 {
                withTile(count) { other in
                    for input in inputs.dropFirst() {
                        StateRows.widen(input + offset, count: count, into: other)
                        for i in 0..<count { tile[i] += other[i] }
                    }
                }
            }
            block.norm.applySerial(tile, rows: rows.count, channels: channels, activation: block.activation)
            StateRows.narrow(tile, count: count, into: normed + offset)
        }
    }
}
