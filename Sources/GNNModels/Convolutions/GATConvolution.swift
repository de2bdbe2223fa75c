import GNNFormats
import GNNKernels

/// PyG `GATConv` (one weight matrix shared by sources and targets): h = lin(x) viewed N × H × C,
/// attention logits a_src = Σ_c h·att_src, a_dst = Σ_c h·att_dst (+ edge term from `lin_edge`/`att_edge`),
/// leaky ReLU, softmax over each node's incoming edges plus one self loop, weighted sum of h; heads
/// concatenated or averaged; then `+ res(x)` when residual, `+ bias`.
struct GATConvolution: RowBlockConvolution {
    let inChannels: Int
    let outChannels: Int
    /// Heads and the output stage (averaging, `res`, `bias`).
    let output: AttentionHeads
    var heads: Int { output.heads }
    var headChannels: Int { output.headChannels }
    let negativeSlope: Float
    let addSelfLoops: Bool
    let lin: Linear
    let attentionSource: [Float]
    let attentionTarget: [Float]
    /// H × E: edge features' contribution to the logits, folded from lin_edge and att_edge (and the shared
    /// edge encoder, when the model has one).
    let edgeProjections: [Float]?
    /// H: the shared edge encoder's bias folded the same way, or nil without an encoder.
    let edgeBias: [Float]?
    /// Block by block only when the attention sums are the output itself: concatenated heads, no residual.
    var freedRows: FreedRows? { output.concat && output.residual == nil ? .input : nil }

    /// `sharedEdgeEncoder`: the model's edge encoder (E → channels, shared by every layer); lin_edge then
    /// reads its output, and the two maps are folded into one per head (`Linear.composed`).
    init(_ options: GATOptions, _ weights: WeightReader, _ prefix: String, channels: Int, edgeChannels: Int,
         sharedEdgeEncoder: Linear? = nil) throws {
        output = try AttentionHeads("GATConv", heads: options.heads, concat: options.concat, residual: options.residual,
                                    bias: options.bias, weights, prefix, channels: channels)
        let heads = output.heads, headChannels = output.headChannels
        inChannels = channels
        outChannels = channels
        negativeSlope = options.negativeSlope
        addSelfLoops = options.addSelfLoops
        let width = output.width
        lin = try Linear(weights, "\(prefix).lin", in: channels, out: width, bias: false)
        attentionSource = try weights.tensor("\(prefix).att_src", shape: [1, heads, headChannels])
        attentionTarget = try weights.tensor("\(prefix).att_dst", shape: [1, heads, headChannels])
        if weights.has("\(prefix).att_edge") {
            guard edgeChannels > 0 else {
                throw GNNError("GATConv at \(prefix) reads edge features but the architecture has edge_channels 0")
            }
            let linEdgeInputs = sharedEdgeEncoder?.outChannels ?? edgeChannels
            let linEdge = try weights.tensor("\(prefix).lin_edge.weight", shape: [width, linEdgeInputs])
            let attentionEdge = try weights.tensor("\(prefix).att_edge", shape: [1, heads, headChannels])
            var projections = [Float](repeating: 0, count: heads * linEdgeInputs)
            for h in 0..<heads {
                for c in 0..<headChannels {
                    let a = attentionEdge[h * headChannels + c]
                    for k in 0..<linEdgeInputs { projections[h * linEdgeInputs + k] += a * linEdge[(h * headChannels + c) * linEdgeInputs + k] }
                }
            }
            if let encoder = sharedEdgeEncoder {
                let folded = Linear(inChannels: linEdgeInputs, outChannels: heads, weight: projections, bias: nil)
                    .composed(after: encoder)
                edgeProjections = folded.weight
                edgeBias = folded.bias
            } else {
                edgeProjections = projections
                edgeBias = nil
            }
        } else {
            edgeProjections = nil
            edgeBias = nil
        }
    }

    func forward(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace, into out: UnsafeMutablePointer<Float>) throws {
        let n = graph.nodeCount
        let aggregated = try output.aggregationTarget(out, rows: n, workspace: workspace)
        try aggregate(x, graph: graph, workspace: workspace, h: workspace.buffer("gat.h", count: graph.sourceRowCount * output.width),
                      into: aggregated, adding: false)
        output.finish(aggregated, x: x, rows: n, into: out)
    }

    /// out += the layer's output. With concatenated heads and no residual, the attention sums are added
    /// straight into `out` and the bias to each block of rows as soon as it is final: no N × C result
    /// buffer and no pass to add it.
    func forward(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace, addingInto out: UnsafeMutablePointer<Float>) throws {
        guard freedRows != nil else {
            return try addSeparately(x, graph: graph, workspace: workspace, into: out)
        }
        try forward(x, graph: graph, workspace: workspace, addingInto: out,
                scratch: workspace.buffer("gat.h", count: graph.sourceRowCount * heads * headChannels), finished: nil)
    }

    /// `scratch` holds h; x is read only to compute it.
    func forward(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace, addingInto out: UnsafeMutablePointer<Float>,
                 scratch: UnsafeMutablePointer<Float>, finished: ((Range<Int>) -> Void)?) throws {
        precondition(freedRows != nil, "GAT with averaged heads or a residual adds its output separately")
        let bias = output.bias
        try aggregate(x, graph: graph, workspace: workspace, h: scratch, into: out, adding: true) { rows in
            if let bias { addRowVector(bias, to: out, rows: rows) }
            finished?(rows)
        }
    }

    /// h = lin(x) (into `h`, heads·headChannels for each of the graph's source rows), its attention logits,
    /// and the attention-weighted sums of h written (or with `adding`, added) to `out`; `completed` as in
    /// `AttentionAggregation.run`.
    private func aggregate(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace, h: UnsafeMutablePointer<Float>,
                           into out: UnsafeMutablePointer<Float>, adding: Bool,
                           completed: ((Range<Int>) -> Void)? = nil) throws {
        let n = graph.nodeCount, sources = graph.sourceRowCount
        let alphaSource = try workspace.buffer("gat.alpha_src", count: sources * heads)
        let alphaTarget = try workspace.buffer("gat.alpha_dst", count: sources * heads)
        project(x, rows: sources, into: h, logits: alphaSource, alphaTarget)
        let weightScratch = try workspace.buffer("gat.weights", count: (graph.csr.edgeCount + n) * self.heads)
        let run = { (scores: AttentionAggregation.EdgeScores?) in
            AttentionAggregation.run(graph.csr, x: h, heads: self.heads, channels: self.headChannels,
                                     alphaSource: alphaSource, alphaTarget: alphaTarget, edges: scores,
                                     selfLoops: self.addSelfLoops, negativeSlope: self.negativeSlope,
                                     weightScratch: weightScratch,
                                     adding: adding, into: out, completed: completed)
        }
        if let edgeProjections, let features = graph.edgeFeatures {
            edgeProjections.withUnsafeBufferPointer { projections in
                withOptionalPointer(edgeBias) { bias in
                    run(AttentionAggregation.EdgeScores(features: features, projections: projections.baseAddress!, bias: bias))
                }
            }
        } else {
            run(nil)
        }
    }

    /// h = lin(x) and its attention logits a[v, h] = Σ_c h[v, h, c] · att[h, c] for the source and target
    /// attention vectors, a block of rows at a time: each block's logits are taken while its h is in cache.
    private func project(_ x: UnsafePointer<Float>, rows: Int, into h: UnsafeMutablePointer<Float>,
                         logits source: UnsafeMutablePointer<Float>, _ target: UnsafeMutablePointer<Float>) {
        let heads = heads, channels = headChannels, lin = lin
        let attentionSource = attentionSource, attentionTarget = attentionTarget
        KernelThreads.forEachBlock(rows: rows) { block in
            lin.applySerial(x + block.lowerBound * lin.inChannels, rows: block.count,
                            into: h + block.lowerBound * lin.outChannels)
            attentionSource.withUnsafeBufferPointer { a in
                attentionTarget.withUnsafeBufferPointer { b in
                    AttentionAggregation.logitsSerial(UnsafePointer(h), rows: block, heads: heads, channels: channels,
                                                      attentionSource: a.baseAddress!, attentionTarget: b.baseAddress!,
                                                      into: source, target)
                }
            }
        }
    }
}
