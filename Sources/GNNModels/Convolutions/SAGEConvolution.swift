import GNNFormats
import GNNKernels

/// PyG `SAGEConv`: out = lin_l(aggr_u x_u) + lin_r(x) [if root_weight], where aggr is the mean, sum or
/// channel-wise max over incoming neighbours and x_u is relu(lin(x_u)) when `project`; optionally
/// L2-normalised rows. Nodes without incoming edges aggregate to 0 (for max too, as PyG's scatter fills).
struct SAGEConvolution: RowBlockConvolution {
    let inChannels: Int
    let outChannels: Int
    let linLeft: Linear
    let linRight: Linear?
    let projection: Linear?
    let normalize: Bool
    let aggregation: SAGEOptions.Aggregation
    /// Each block's aggregates are consumed by its products.
    var freedRows: FreedRows? { .scratch }

    init(_ options: SAGEOptions, _ weights: WeightReader, _ prefix: String, channels: Int) throws {
        inChannels = channels
        outChannels = channels
        linLeft = try Linear(weights, "\(prefix).lin_l", in: channels, out: channels, bias: options.bias)
        linRight = options.rootWeight ? try Linear(weights, "\(prefix).lin_r", in: channels, out: channels, bias: false) : nil
        projection = options.project ? try Linear(weights, "\(prefix).lin", in: channels, out: channels, bias: true) : nil
        normalize = options.normalize
        aggregation = options.aggr
    }

    func forward(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace, into out: UnsafeMutablePointer<Float>) throws {
        try forward(.f32(x), graph: graph, workspace: workspace, into: out)
    }

    func forward(_ x: StoredRows, graph: GraphContext, workspace: Workspace, into out: UnsafeMutablePointer<Float>) throws {
        // The projection is a dense product over all rows: it reads float32 rows.
        let x = projection == nil ? x : .f32(try widened(x, graph: graph, workspace: workspace))
        // The aggregate is written into `out` and replaced by the result one block of rows at a time, so it
        // needs no N × C buffer of its own (0.8 GB on a products-sized graph).
        try combine(x, graph: graph, workspace: workspace, aggregate: out, into: out, accumulate: false, finished: nil)
    }

    func forward(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace, addingInto out: UnsafeMutablePointer<Float>) throws {
        try forward(x, graph: graph, workspace: workspace, addingInto: out,
                scratch: workspace.buffer("sage.aggregate", count: graph.nodeCount * inChannels), finished: nil)
    }

    /// The aggregates go to `scratch`; each block's products are added straight into `out`.
    func forward(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace, addingInto out: UnsafeMutablePointer<Float>,
                 scratch: UnsafeMutablePointer<Float>, finished: ((Range<Int>) -> Void)?) throws {
        try combine(.f32(x), graph: graph, workspace: workspace, aggregate: scratch, into: out, accumulate: true, finished: finished)
    }

    /// out = lin_l(aggregate) + lin_r(x), rows L2-normalised with `normalize` (+= with `accumulate`), each
    /// block of rows multiplied as soon as the aggregation has finished it, while it is in cache.
    /// `aggregate` may be `out` itself.
    private func combine(_ x: StoredRows, graph: GraphContext, workspace: Workspace,
                         aggregate: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>,
                         accumulate: Bool, finished: ((Range<Int>) -> Void)?) throws {
        let inChannels = inChannels, outChannels = outChannels, normalize = normalize
        // Products go straight into `out` unless the rows must be normalised on their own first, or their
        // aggregates are the very rows being overwritten.
        let direct = !normalize && aggregate != out
        self.aggregate(try neighbours(of: x, graph: graph, workspace: workspace), graph: graph, into: aggregate) { rows in
            let block = out + rows.lowerBound * outChannels, count = rows.count * outChannels
            let result = direct ? block : UnsafeMutablePointer<Float>.allocate(capacity: count)
            products(aggregate + rows.lowerBound * inChannels, rows: rows, x: x, into: result, accumulate: direct && accumulate)
            if !direct {
                if normalize { Normalization.l2NormalizeSerial(result, rows: rows.count, channels: outChannels) }
                if accumulate {
                    for i in 0..<count { block[i] += result[i] }
                } else {
                    block.update(from: result, count: count)
                }
                result.deallocate()
            }
            finished?(rows)
        }
    }

    /// result = lin_l(aggregate) + lin_r(x) for the block `rows` (+= with `accumulate`); `aggregate` holds
    /// the block's aggregates.
    private func products(_ aggregate: UnsafePointer<Float>, rows: Range<Int>, x: StoredRows,
                          into result: UnsafeMutablePointer<Float>, accumulate: Bool) {
        linLeft.applySerial(aggregate, rows: rows.count, into: result, accumulate: accumulate)
        guard let linRight else { return }
        if let x = x.float32 {
            linRight.applySerial(x + rows.lowerBound * inChannels, rows: rows.count, into: result, accumulate: true)
        } else {
            // 16-bit rows are widened a block at a time for the product.
            withTile(rows.count * inChannels) { own in
                x.widen(from: rows.lowerBound * inChannels, count: rows.count * inChannels, into: own)
                linRight.applySerial(own, rows: rows.count, into: result, accumulate: true)
            }
        }
    }

    /// Without a projection and with mean or sum aggregation, where `SumAggregation.runInBlocks` can: each
    /// block's aggregates in a tile, its products (and L2 normalisation) in another, handed to `consume`.
    /// The same bits as `forward(_:graph:workspace:into:)`, with no N × C buffer.
    func forward(_ x: StoredRows, graph: GraphContext, inBlocks consume: (Range<Int>, UnsafePointer<Float>) -> Void) -> Bool {
        guard projection == nil, aggregation != .max else { return false }
        return SumAggregation.runInBlocks(graph.csr, x: x, channels: inChannels, mean: aggregation == .mean) { rows, aggregate in
            withTile(rows.count * outChannels) { result in
                products(aggregate, rows: rows, x: x, into: result, accumulate: false)
                if normalize { Normalization.l2NormalizeSerial(result, rows: rows.count, channels: outChannels) }
                consume(rows, result)
            }
        }
    }

    /// out = the aggregation of the neighbours' rows of `x`; `completed` as `SumAggregation.run`'s.
    private func aggregate(_ x: StoredRows, graph: GraphContext, into out: UnsafeMutablePointer<Float>,
                           completed: @escaping (Range<Int>) -> Void) {
        switch aggregation {
        case .mean, .sum:
            SumAggregation.run(graph.csr, x: x, channels: inChannels, mean: aggregation == .mean, into: out, completed: completed)
        case .max:
            MessageAggregation.run(graph.csr, x: x, channels: inChannels, edges: nil, rectified: false, reduce: .max,
                                   into: out, completed: completed)
        }
    }

    /// x, or relu(lin(x)) with `project` (x is then float32).
    private func neighbours(of x: StoredRows, graph: GraphContext, workspace: Workspace) throws -> StoredRows {
        guard let projection else { return x }
        guard let x = x.float32 else { preconditionFailure("forward(_:graph:workspace:into:) widens x for a projection") }
        let n = graph.sourceRowCount
        let projected = try workspace.buffer("sage.projected", count: n * inChannels)
        projection.apply(x, rows: n, into: projected)
        Activation.relu.apply(projected, count: n * inChannels)
        return .f32(projected)
    }
}
