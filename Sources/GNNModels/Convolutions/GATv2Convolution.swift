import GNNFormats
import GNNKernels

/// PyG `GATv2Conv`: x_l = lin_l(x) and x_r = lin_r(x) (the same map when `share_weights`), viewed N × H × C;
/// for each edge j → i the score Σ_c att · leakyReLU(x_l[j] + x_r[i] (+ lin_edge(edge_attr))), softmax over
/// each node's incoming edges plus one self loop whose edge features are the mean of its incoming edges',
/// weighted sum of x_l[j] (`AttentionV2Aggregation`); heads concatenated or averaged; then `+ res(x)` when
/// residual, `+ bias`.
struct GATv2Convolution: GraphConvolution {
    let inChannels: Int
    let outChannels: Int
    /// Heads and the output stage (averaging, `res`, `bias`).
    let output: AttentionHeads
    let negativeSlope: Float
    let addSelfLoops: Bool
    let left: Linear
    /// nil when the conv shares its weights: x_r is x_l.
    let right: Linear?
    /// `att`, heads × C.
    let attention: [Float]
    /// `lin_edge` (after the shared edge encoder, when the model has one) packed for the kernel
    /// (`MessageAggregation.EdgeEncoder.pack`), or nil without edge features.
    let edgeMap: (weight: [Float], bias: [Float]?)?

    /// `sharedEdgeEncoder`: the model's edge encoder (E → channels, shared by every layer); lin_edge then
    /// reads its output, and the two maps are folded into one (`Linear.composed`).
    init(_ options: GATv2Options, _ weights: WeightReader, _ prefix: String, channels: Int, edgeChannels: Int,
         sharedEdgeEncoder: Linear? = nil) throws {
        output = try AttentionHeads("GATv2Conv", heads: options.heads, concat: options.concat, residual: options.residual,
                                    bias: options.bias, weights, prefix, channels: channels)
        inChannels = channels
        outChannels = channels
        negativeSlope = options.negativeSlope
        addSelfLoops = options.addSelfLoops
        let width = output.width
        left = try Linear(weights, "\(prefix).lin_l", in: channels, out: width, bias: options.bias)
        // PyG registers the shared module under both names, so its state_dict holds lin_r.* as a copy of lin_l.*:
        // read it (an export then accepts the state_dict as saved) and refuse one that is not the same map.
        let right = try Linear(weights, "\(prefix).lin_r", in: channels, out: width, bias: options.bias)
        if options.shareWeights {
            guard right.weight == left.weight, right.bias == left.bias else {
                throw GNNError("GATv2Conv at \(prefix) has share_weights but lin_r differs from lin_l",
                               fix: "set share_weights to false, or export the weights of a conv that shares them")
            }
            self.right = nil
        } else {
            self.right = right
        }
        attention = try weights.tensor("\(prefix).att", shape: [1, output.heads, output.headChannels])
        if edgeChannels > 0 {
            var linEdge = try Linear(weights, "\(prefix).lin_edge", in: sharedEdgeEncoder?.outChannels ?? edgeChannels,
                                     out: width, bias: false)
            if let encoder = sharedEdgeEncoder { linEdge = linEdge.composed(after: encoder) }
            edgeMap = MessageAggregation.EdgeEncoder.pack(weight: linEdge.weight, bias: linEdge.bias, channels: width,
                                                          columns: edgeChannels)
        } else {
            edgeMap = nil
        }
    }

    func forward(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace, into out: UnsafeMutablePointer<Float>) throws {
        let n = graph.nodeCount, sources = graph.sourceRowCount, width = output.width
        // Both projections of every source row (the targets' are their first n rows).
        let xLeft = try workspace.buffer("gatv2.x_l", count: sources * width)
        left.apply(x, rows: sources, into: xLeft)
        var xRight = xLeft
        if let right {
            xRight = try workspace.buffer("gatv2.x_r", count: sources * width)
            right.apply(x, rows: sources, into: xRight)
        }
        let aggregated = try output.aggregationTarget(out, rows: n, workspace: workspace)
        let run = { (edges: MessageAggregation.EdgeEncoder?) in
            self.attention.withUnsafeBufferPointer { att in
                AttentionV2Aggregation.run(graph.csr, xLeft: xLeft, xRight: xRight, attention: att.baseAddress!,
                                           heads: self.output.heads, channels: self.output.headChannels, edges: edges,
                                           selfLoops: self.addSelfLoops, negativeSlope: self.negativeSlope, into: aggregated)
            }
        }
        if let edgeMap, let features = graph.edgeFeatures {
            edgeMap.weight.withUnsafeBufferPointer { weight in
                withOptionalPointer(edgeMap.bias) { bias in
                    run(MessageAggregation.EdgeEncoder(features: features, weight: weight.baseAddress, bias: bias))
                }
            }
        } else {
            run(nil)
        }
        output.finish(aggregated, x: x, rows: n, into: out)
    }
}
