import GNNFormats
import GNNKernels

/// PyG `SAGEConv` with mean aggregation: out = lin_l(mean_u x_u) + lin_r(x) [if root_weight], where
/// x_u is relu(lin(x_u)) when `project`; optionally L2-normalised rows. Isolated nodes aggregate to 0.
struct SAGEConvolution: GraphConvolution {
    let inChannels: Int
    let outChannels: Int
    let readsEdgeFeatures = false
    let linLeft: Linear
    let linRight: Linear?
    let projection: Linear?
    let normalize: Bool

    init(_ spec: ConvSpec, _ weights: WeightReader, _ prefix: String, channels: Int) throws {
        guard (spec.aggr ?? "mean") == "mean" else {
            throw GNNError("SAGEConv with aggr \"\(spec.aggr!)\" is not supported (only mean)")
        }
        inChannels = channels
        outChannels = channels
        linLeft = try Linear(weights, "\(prefix).lin_l", in: channels, out: channels, bias: spec.bias ?? true)
        linRight = (spec.rootWeight ?? true) ? try Linear(weights, "\(prefix).lin_r", in: channels, out: channels, bias: false) : nil
        projection = (spec.project ?? false) ? try Linear(weights, "\(prefix).lin", in: channels, out: channels, bias: true) : nil
        normalize = spec.normalize ?? false
    }

    func forward(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace, into out: UnsafeMutablePointer<Float>) {
        // The mean is aggregated into `out` and replaced by lin_l(mean) + lin_r(x) one block of rows at a
        // time, so it needs no N × C buffer of its own (0.8 GB on a products-sized graph).
        aggregateAndCombine(x, graph: graph, workspace: workspace, mean: out, into: out, accumulate: false)
        if normalize { Normalization.l2Normalize(out, rows: graph.nodeCount, channels: outChannels) }
    }

    /// out += lin_l(mean) + lin_r(x), the products accumulated straight into the block's state (no pass to
    /// add a separate result). With `normalize` the output must be normalised on its own first.
    func forward(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace, addingInto out: UnsafeMutablePointer<Float>) {
        guard !normalize else {
            return addSeparately(x, graph: graph, workspace: workspace, into: out)
        }
        let mean = workspace.buffer("sage.mean", count: graph.nodeCount * inChannels)
        aggregateAndCombine(x, graph: graph, workspace: workspace, mean: mean, into: out, accumulate: true)
    }

    /// out = lin_l(mean) + lin_r(x) (+= with `accumulate`), each block of rows multiplied as soon as the
    /// aggregation has finished its means, while they are in cache. `mean` may be `out` itself: each
    /// block's means are then copied before the block is overwritten.
    private func aggregateAndCombine(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace,
                                     mean: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>,
                                     accumulate: Bool) {
        let target = UncheckedPointer(out), means = UncheckedPointer(mean)
        let root = UncheckedPointer(UnsafeMutablePointer(mutating: x))
        let inChannels = inChannels, outChannels = outChannels, linLeft = linLeft, linRight = linRight
        SumAggregation.run(graph.csr, x: neighbours(of: x, graph: graph, workspace: workspace), channels: inChannels,
                           mean: true, into: mean) { rows in
            let block = target.pointer + rows.lowerBound * outChannels
            var meanBlock = UnsafePointer(means.pointer + rows.lowerBound * inChannels)
            var copy: UnsafeMutablePointer<Float>?
            if means.pointer == target.pointer {
                copy = UnsafeMutablePointer<Float>.allocate(capacity: rows.count * inChannels)
                copy!.update(from: meanBlock, count: rows.count * inChannels)
                meanBlock = UnsafePointer(copy!)
            }
            defer { copy?.deallocate() }
            linLeft.applySerial(meanBlock, rows: rows.count, into: block, accumulate: accumulate)
            linRight?.applySerial(root.pointer + rows.lowerBound * inChannels, rows: rows.count, into: block, accumulate: true)
        }
    }

    /// x, or relu(lin(x)) with `project`.
    private func neighbours(of x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace) -> UnsafePointer<Float> {
        guard let projection else { return x }
        let n = graph.nodeCount
        let projected = workspace.buffer("sage.projected", count: n * inChannels)
        projection.apply(x, rows: n, into: projected)
        Normalization.relu(projected, count: n * inChannels)
        return UnsafePointer(projected)
    }
}
