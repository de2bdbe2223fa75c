import GNNFormats
import GNNKernels

/// PyG `SAGEConv` with mean aggregation: out = lin_l(mean_u x_u) + lin_r(x) [if root_weight], where
/// x_u is relu(lin(x_u)) when `project`; optionally L2-normalised rows. Isolated nodes aggregate to 0.
struct SAGEConvolution: RowBlockConvolution {
    let inChannels: Int
    let outChannels: Int
    let linLeft: Linear
    let linRight: Linear?
    let projection: Linear?
    let normalize: Bool
    /// Each block's means are consumed by its products.
    var freedRows: FreedRows? { .scratch }

    /// `options.aggr` needs no check: mean is its only value (other names are refused when the file is read).
    init(_ options: SAGEOptions, _ weights: WeightReader, _ prefix: String, channels: Int) throws {
        inChannels = channels
        outChannels = channels
        linLeft = try Linear(weights, "\(prefix).lin_l", in: channels, out: channels, bias: options.bias)
        linRight = options.rootWeight ? try Linear(weights, "\(prefix).lin_r", in: channels, out: channels, bias: false) : nil
        projection = options.project ? try Linear(weights, "\(prefix).lin", in: channels, out: channels, bias: true) : nil
        normalize = options.normalize
    }

    func forward(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace, into out: UnsafeMutablePointer<Float>) {
        // The mean is aggregated into `out` and replaced by the result one block of rows at a time, so it
        // needs no N × C buffer of its own (0.8 GB on a products-sized graph).
        combine(x, graph: graph, workspace: workspace, mean: out, into: out, accumulate: false, finished: nil)
    }

    func forward(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace, addingInto out: UnsafeMutablePointer<Float>) {
        forward(x, graph: graph, workspace: workspace, addingInto: out,
                scratch: workspace.buffer("sage.mean", count: graph.nodeCount * inChannels), finished: nil)
    }

    /// The means go to `scratch`; each block's products are added straight into `out`.
    func forward(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace, addingInto out: UnsafeMutablePointer<Float>,
                 scratch: UnsafeMutablePointer<Float>, finished: ((Range<Int>) -> Void)?) {
        combine(x, graph: graph, workspace: workspace, mean: scratch, into: out, accumulate: true, finished: finished)
    }

    /// out = lin_l(mean) + lin_r(x), rows L2-normalised with `normalize` (+= with `accumulate`), each block
    /// of rows multiplied as soon as the aggregation has finished its means, while they are in cache. `mean`
    /// may be `out` itself.
    private func combine(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace,
                         mean: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>,
                         accumulate: Bool, finished: ((Range<Int>) -> Void)?) {
        let inChannels = inChannels, outChannels = outChannels, linLeft = linLeft, linRight = linRight
        let normalize = normalize
        // Products go straight into `out` unless the rows must be normalised on their own first, or their
        // means are the very rows being overwritten.
        let direct = !normalize && mean != out
        SumAggregation.run(graph.csr, x: neighbours(of: x, graph: graph, workspace: workspace), channels: inChannels,
                           mean: true, into: mean) { rows in
            let block = out + rows.lowerBound * outChannels, count = rows.count * outChannels
            let result = direct ? block : UnsafeMutablePointer<Float>.allocate(capacity: count)
            linLeft.applySerial(mean + rows.lowerBound * inChannels, rows: rows.count, into: result,
                                accumulate: direct && accumulate)
            linRight?.applySerial(x + rows.lowerBound * inChannels, rows: rows.count, into: result, accumulate: true)
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

    /// x, or relu(lin(x)) with `project`.
    private func neighbours(of x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace) -> UnsafePointer<Float> {
        guard let projection else { return x }
        let n = graph.nodeCount
        let projected = workspace.buffer("sage.projected", count: n * inChannels)
        projection.apply(x, rows: n, into: projected)
        Activation.relu.apply(projected, count: n * inChannels)
        return UnsafePointer(projected)
    }
}
