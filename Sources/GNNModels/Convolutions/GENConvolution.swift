import GNNFormats
import GNNKernels

/// PyG `GENConv` (DeeperGCN): aggregate messages relu(x_u + e_uv) + eps (`MessageAggregation`), optionally
/// `MessageNorm` (out = normalize(out) · ‖x_v‖ · scale), add x_v, then the MLP
/// (Linear → norm → ReLU → … → Linear, hidden width channels · expansion).
struct GENConvolution: GraphConvolution {
    let inChannels: Int
    let outChannels: Int
    let reduce: MessageAggregation.Reduce
    /// `lin_edge` in the layout the aggregation kernel reads (`MessageAggregation.EdgeEncoder.pack`).
    let edgeEncoder: (weight: [Float], bias: [Float]?)?
    /// Whether messages add edge features (the architecture has them).
    let readsEdgeFeatures: Bool
    let messageScale: Float?
    let mlp: [(linear: Linear, norm: Norm?)]

    /// `sharedEdgeEncoder`: the model's edge encoder (E → channels, shared by every layer, as
    /// examples/ogbn_proteins_deepgcn.py's `edge_encoder`), applied to each edge as the aggregation reads
    /// it in place of the conv's own `lin_edge` (PyG builds such a conv without edge_dim); `edgeChannels`
    /// is then the graph's E.
    init(_ options: GENOptions, _ weights: WeightReader, _ prefix: String, channels: Int, edgeChannels: Int,
         sharedEdgeEncoder: Linear? = nil) throws {
        inChannels = channels
        outChannels = channels
        switch options.aggr {
        case .softmax, .softmaxSG:
            let t = options.learnT ? try weights.tensor("\(prefix).aggr_module.t", shape: [1])[0] : options.t
            reduce = .softmax(t: t)
        case .powerMean:
            let p = options.learnP ? try weights.tensor("\(prefix).aggr_module.p", shape: [1])[0] : options.p
            reduce = .powerMean(p: p, applyPower: options.learnP || p != 1)
        case .max: reduce = .max
        case .mean: reduce = .mean
        case .add: reduce = .sum
        }
        let bias = options.bias
        if let encoder = sharedEdgeEncoder {
            edgeEncoder = MessageAggregation.EdgeEncoder.pack(weight: encoder.weight, bias: encoder.bias,
                                                            channels: channels, columns: encoder.inChannels)
        } else if edgeChannels > 0 && edgeChannels != channels {
            let encoder = try Linear(weights, "\(prefix).lin_edge", in: edgeChannels, out: channels, bias: bias)
            edgeEncoder = MessageAggregation.EdgeEncoder.pack(weight: encoder.weight, bias: encoder.bias,
                                                            channels: channels, columns: edgeChannels)
        } else {
            edgeEncoder = nil
        }
        readsEdgeFeatures = edgeChannels > 0
        messageScale = options.msgNorm ? try weights.tensor("\(prefix).msg_norm.scale", shape: [1])[0] : nil
        let layers = options.numLayers
        let hidden = channels * options.expansion
        let normKind: ModelArchitecture.Norm = switch options.mlpNorm {
        case .batch: .batch
        case .layer: .layer
        case .none: .none
        }
        // torch.nn.Sequential numbering: each hidden layer is Linear, [norm,] ReLU, Dropout.
        var mlp: [(Linear, Norm?)] = []
        var index = 0
        for layer in 0..<layers {
            let inWidth = layer == 0 ? channels : hidden
            let outWidth = layer == layers - 1 ? channels : hidden
            let linear = try Linear(weights, "\(prefix).mlp.\(index)", in: inWidth, out: outWidth, bias: bias)
            index += 1
            var norm: Norm? = nil
            if layer < layers - 1 {
                if normKind != .none {
                    norm = try Norm(NormSpec(kind: normKind), weights, "\(prefix).mlp.\(index)", channels: outWidth)
                    index += 1
                }
                index += 2
            }
            mlp.append((linear, norm))
        }
        self.mlp = mlp
    }

    func forward(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace, into out: UnsafeMutablePointer<Float>) throws {
        try forward(.f32(x), graph: graph, workspace: workspace, into: out)
    }

    func forward(_ x: StoredRows, graph: GraphContext, workspace: Workspace, into out: UnsafeMutablePointer<Float>) throws {
        let n = graph.nodeCount
        let aggregated = try workspace.buffer("gen.aggregated", count: n * outChannels)
        let run = { (encoder: MessageAggregation.EdgeEncoder?) in
            MessageAggregation.run(graph.csr, x: x, channels: self.outChannels, edges: encoder, reduce: self.reduce, into: aggregated)
        }
        if readsEdgeFeatures, let features = graph.edgeFeatures {
            if let edgeEncoder {
                edgeEncoder.weight.withUnsafeBufferPointer { w in
                    withOptionalPointer(edgeEncoder.bias) { b in
                        run(MessageAggregation.EdgeEncoder(features: features, weight: w.baseAddress, bias: b))
                    }
                }
            } else {
                run(MessageAggregation.EdgeEncoder(features: features, weight: nil, bias: nil))
            }
        } else {
            run(nil)
        }
        switch x {
        case .f32(let rows): addRoot(rows, to: aggregated, rows: n)
        case .bf16(let rows): addRoot(rows, to: aggregated, rows: n)
        case .f16(let rows): addRoot(rows, to: aggregated, rows: n)
        }
        try runMLP(aggregated, rows: n, workspace: workspace, into: out)
    }

    /// aggregated += x (after message normalisation when configured).
    private func addRoot<E: StateElement>(_ x: UnsafePointer<E>, to aggregated: UnsafeMutablePointer<Float>, rows: Int) {
        let channels = outChannels, scale = messageScale
        KernelThreads.forEachBlock(rows: rows) { block in
            for v in block {
                let row = aggregated + v * channels, own = x + v * channels
                if let scale {
                    var messageNorm: Float = 0, ownNorm: Float = 0
                    for c in 0..<channels {
                        messageNorm += row[c] * row[c]
                        ownNorm += E.widen(own[c]) * E.widen(own[c])
                    }
                    let factor = ownNorm.squareRoot() * scale / max(messageNorm.squareRoot(), 1e-12)
                    for c in 0..<channels { row[c] *= factor }
                }
                for c in 0..<channels { row[c] += E.widen(own[c]) }
            }
        }
    }

    private func runMLP(_ input: UnsafeMutablePointer<Float>, rows: Int, workspace: Workspace, into out: UnsafeMutablePointer<Float>) throws {
        var current = input
        for (i, layer) in mlp.enumerated() {
            let last = i == mlp.count - 1
            let target = last ? out : try workspace.buffer(i % 2 == 0 ? "gen.mlp.a" : "gen.mlp.b", count: rows * layer.linear.outChannels)
            layer.linear.apply(current, rows: rows, into: target)
            if !last {
                if let norm = layer.norm {
                    norm.apply(target, rows: rows, channels: layer.linear.outChannels, activation: .relu)
                } else {
                    Activation.relu.apply(target, count: rows * layer.linear.outChannels)
                }
            }
            current = target
        }
    }
}
