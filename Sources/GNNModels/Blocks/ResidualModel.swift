import GNNFormats
import GNNKernels

/// ResGNN with PyG `DeepGCNLayer` layers, as in examples/ogbn_proteins_deepgcn.py:
/// node_encoder (and edge_encoder) → layers[0].conv → for l ≥ 1: x = x + conv_l(act(norm_l(x))) →
/// act(layers[0].norm(x)) → lin. The architecture may instead run layer 0 as a full layer, use `res`
/// (x + act(norm(conv(x)))) or `plain` (act(norm(conv(x)))) layers, and give the head its own norm
/// (`BlockSpec`, `HeadSpec`). Weight-tied models hold one layer and apply it L times.
///
/// Inference keeps only the current state and one layer's output: O(N·D), whatever the depth (training
/// would need O(L·N·D), which is the paper's point against it).
struct ResidualModel: Sendable {
    let architecture: ModelArchitecture
    let encoder: Linear
    let layers: LayerStack<ResidualLayer>
    let headNorm: Norm
    let headActivation: Activation
    let head: Linear

    init(_ architecture: ModelArchitecture, _ weights: WeightReader) throws {
        self.architecture = architecture
        let hidden = architecture.hiddenChannels
        encoder = try Linear(weights, architecture.nodeEncoderName, in: architecture.inputChannels, out: hidden)
        let edgeEncoder = try architecture.encoder?.edge.map {
            try Linear(weights, $0, in: architecture.edgeChannels, out: hidden)
        }
        let stored = architecture.family == .wtResgnn ? 1 : architecture.layers
        let activation = Activation(architecture.activation)
        layers = try LayerStack(storedCount: stored, weights: weights) { layer in
            ResidualLayer(conv: try makeConvolution(architecture.conv, weights, "layers.\(layer).conv", channels: hidden,
                                                    edgeChannels: architecture.edgeChannels, edgeEncoder: edgeEncoder),
                          norm: try Norm(architecture.norm, weights, "layers.\(layer).norm", channels: hidden),
                          activation: activation)
        }
        switch architecture.headNormChoice {
        case .layer0: headNorm = try layers.layer(0).norm
        case .own(let spec): headNorm = try Norm(spec, weights, "norm", channels: hidden)
        }
        headActivation = Activation(architecture.headActivation)
        head = try Linear(weights, architecture.headLinearName, in: hidden, out: architecture.outputChannels)
    }

    func forward(_ input: FloatMatrix, graph: GraphContext, workspace: Workspace,
                 progress: (Int) -> Void, into out: UnsafeMutablePointer<Float>) throws {
        let n = graph.nodeCount, hidden = architecture.hiddenChannels
        let encoded = try workspace.buffer("res.encoded", count: n * hidden)
        RowBlocks.linearIntoGroups(input, encoder, groups: 1, into: encoded)
        graph.releaseNodeFeatures()
        let state = try workspace.buffer("res.state", count: n * hidden)
        let block = architecture.resolvedBlock
        var start = 0
        if block.first == .conv {
            graph.exchangeHalo(encoded, columns: hidden)
            try layers.layer(0).conv.forward(encoded, graph: graph, workspace: workspace, into: state)
            progress(1)
            start = 1
        } else {
            state.update(from: encoded, count: n * hidden)
        }
        switch block.kind {
        case .resPlus: try runPreActivation(from: start, state: state, free: encoded, graph: graph, workspace: workspace, progress: progress)
        case .res, .plain: try runPostActivation(from: start, state: state, scratch: encoded, graph: graph, workspace: workspace, progress: progress)
        }
        workspace.releaseAll(except: "res.state")
        RowBlocks.normActivationLinearFromGroups(state, rows: n, groups: 1, groupWidth: hidden, norm: headNorm,
                                                 activation: headActivation, head, sums: graph.nodeSums, into: out)
    }

    /// res+ layers `start..<L`: state += conv(act(norm(state))), each layer's normalised input prepared by
    /// the layer before it (`BlockChain`).
    private func runPreActivation(from start: Int, state: UnsafeMutablePointer<Float>, free: UnsafeMutablePointer<Float>,
                                  graph: GraphContext, workspace: Workspace, progress: (Int) -> Void) throws {
        let chain = try BlockChain(rows: graph.nodeCount, channels: architecture.hiddenChannels, workspace: workspace, reusing: free)
        guard start < architecture.layers else { return }
        var layer = try layers.layer(start)
        for step in start..<architecture.layers {
            let following = step + 1 < architecture.layers ? try layers.layer(step + 1) : nil
            try chain.run(layer.block, input: state, addingInto: state, next: following?.block, graph: graph)
            progress(step + 1)
            if let following { layer = following }
        }
    }

    /// res and plain layers `start..<L`: h = act(norm(conv(x))) into the other buffer, then x += h (res), or
    /// h becomes x (plain: the two buffers swap roles, and the result is copied into `state` at the end when
    /// it is in `scratch`).
    private func runPostActivation(from start: Int, state: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                   graph: GraphContext, workspace: Workspace, progress: (Int) -> Void) throws {
        let n = graph.nodeCount, hidden = architecture.hiddenChannels, count = n * hidden
        let residual = architecture.resolvedBlock.kind == .res
        var current = state, output = scratch
        for step in start..<architecture.layers {
            let layer = try layers.layer(step)
            graph.exchangeHalo(current, columns: hidden)
            try layer.conv.forward(current, graph: graph, workspace: workspace, into: output)
            layer.norm.apply(output, rows: n, channels: hidden, activation: layer.activation, sums: graph.nodeSums)
            if residual {
                add(output, into: current, count: count)
            } else {
                swap(&current, &output)
            }
            progress(step + 1)
        }
        if current != state { state.update(from: current, count: count) }
    }
}

/// One DeepGCNLayer: its conv, and the norm and activation around it.
struct ResidualLayer: Sendable {
    let conv: any GraphConvolution
    let norm: Norm
    let activation: Activation

    /// The res+ block: conv(act(norm(x))).
    var block: GNNBlock { GNNBlock(norm: norm, activation: activation, conv: conv) }
}
