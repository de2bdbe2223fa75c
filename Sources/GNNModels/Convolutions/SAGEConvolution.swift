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
        let mean = workspace.buffer("sage.mean", count: n * inChannels)
        SumAggregation.run(graph.csr, x: neighbours, channels: inChannels, mean: true, into: mean)
        linLeft.apply(mean, rows: n, into: out)
        linRight?.apply(x, rows: n, into: out, accumulate: true)
        if normalize { Normalization.l2Normalize(out, rows: n, channels: outChannels) }
    }
}
