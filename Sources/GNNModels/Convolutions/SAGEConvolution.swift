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
        let n = graph.nodeCount
        var neighbours = x
        if let projection {
            let projected = workspace.buffer("sage.projected", count: n * inChannels)
            projection.apply(x, rows: n, into: projected)
            Normalization.relu(projected, count: n * inChannels)
            neighbours = UnsafePointer(projected)
        }
        // The mean is aggregated into `out` and replaced by lin_l(mean) + lin_r(x) one block of rows at a
        // time, so it needs no N × C buffer of its own (0.8 GB on a products-sized graph). The blocks are
        // those of `Dense.linear`, so the products are the same bits as two whole-matrix calls.
        SumAggregation.run(graph.csr, x: neighbours, channels: inChannels, mean: true, into: out)
        let target = UncheckedPointer(out), root = UncheckedPointer(UnsafeMutablePointer(mutating: x))
        let inChannels = inChannels, outChannels = outChannels, linLeft = linLeft, linRight = linRight
        KernelThreads.forEachBlock(rows: n) { rows in
            let mean = UnsafeMutablePointer<Float>.allocate(capacity: rows.count * inChannels)
            defer { mean.deallocate() }
            let block = target.pointer + rows.lowerBound * outChannels
            mean.update(from: block, count: rows.count * inChannels)
            linLeft.applySerial(mean, rows: rows.count, into: block)
            linRight?.applySerial(root.pointer + rows.lowerBound * inChannels, rows: rows.count, into: block, accumulate: true)
        }
        if normalize { Normalization.l2Normalize(out, rows: n, channels: outChannels) }
    }
}
