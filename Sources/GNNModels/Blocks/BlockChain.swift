import GNNKernels

/// Runs a model's blocks one after another, each adding conv(activation(norm(input))) into the state, with the two
/// buffers they need between them: the running block's normalised input, which the conv gathers and so has
/// the graph's source rows (`GraphContext.sourceRowCount`: on a shard, the halo rows after the owned ones),
/// and its conv's scratch (GAT's projections of every source row; SAGE's means of the rows computed).
///
/// In these models a block's input is usually the rows the block before it has just written (the next
/// group's X'_{i−1}, the residual state). When the conv finishes its output a block of rows at a time
/// (`RowBlockConvolution`), the next block's normalised input is computed from each finished block of rows
/// while they are still in cache, into rows the conv no longer reads: its scratch rows (and the two buffers
/// then trade roles; on a shard, whose scratch of means has no halo rows, they are copied back instead) or
/// its input's. Otherwise the next block normalises its input in a pass of its own. All give the same bits.
final class BlockChain {
    /// Rows computed (and in the state); the buffers hold `sourceRows`.
    let rows: Int
    let sourceRows: Int
    let channels: Int
    private let workspace: Workspace
    /// The running block's normalised input, or the input a caller builds there (`inputBuffer`).
    private var normed: UnsafeMutablePointer<Float>
    /// The conv's scratch, allocated for row-block convs only.
    private var scratch: UnsafeMutablePointer<Float>?
    /// Whether `normed` already holds the next block's normalised input.
    private var prepared = false

    /// A chain over inputs and outputs of `channels` floats a row on `graph`; `free` is a buffer of
    /// `graph.sourceRowCount` rows the caller no longer needs, used as one of the two (nil: a new one).
    init(_ graph: GraphContext, channels: Int, workspace: Workspace, reusing free: UnsafeMutablePointer<Float>? = nil) throws {
        rows = graph.nodeCount
        sourceRows = graph.sourceRowCount
        self.channels = channels
        self.workspace = workspace
        normed = try free ?? workspace.buffer("chain.normed", count: sourceRows * channels)
    }

    /// A buffer the caller may fill with the next block's input when it is not a previous block's output
    /// (the reversible exchange sum of more than two groups).
    var inputBuffer: UnsafeMutablePointer<Float> {
        precondition(!prepared, "the next block's input is already prepared")
        return normed
    }

    /// out += block(x). `next` is the block that runs next if it reads exactly the rows of `out` this one
    /// writes, nil otherwise; `x` may be `out` (read before it changes) or `inputBuffer`.
    func run(_ block: GNNBlock, input x: UnsafePointer<Float>, addingInto out: UnsafeMutablePointer<Float>,
             next: GNNBlock?, graph: GraphContext) throws {
        precondition(block.conv.inChannels == channels && block.conv.outChannels == channels)
        if !prepared {
            block.norm.apply(normed, from: x, rows: rows, channels: channels, activation: block.activation, sums: graph.nodeSums)
        }
        prepared = false
        graph.exchangeHalo(normed, columns: channels)
        guard let conv = block.conv as? RowBlockConvolution, let freed = conv.freedRows else {
            return try block.conv.forward(normed, graph: graph, workspace: workspace, addingInto: out)
        }
        let scratch = try scratch ?? workspace.buffer("chain.scratch", count: (freed == .scratch ? rows : sourceRows) * channels)
        self.scratch = scratch
        guard let next, next.norm.rowWise else {
            return try conv.forward(normed, graph: graph, workspace: workspace, addingInto: out, scratch: scratch, finished: nil)
        }
        let preparing = freed == .scratch ? scratch : normed
        let channels = channels
        try conv.forward(normed, graph: graph, workspace: workspace, addingInto: out, scratch: scratch) { finished in
            let offset = finished.lowerBound * channels
            next.norm.applySerial(preparing + offset, from: out + offset, rows: finished.count,
                                  channels: channels, activation: next.activation)
        }
        prepared = true
        guard freed == .scratch else { return }
        if sourceRows == rows {
            (self.scratch, normed) = (normed, scratch)
        } else {
            normed.update(from: scratch, count: rows * channels)
        }
    }
}
