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

    /// `stateDType`: how the N × D state and each block's normalised input are stored (`StateDTypeSupport`
    /// has checked that this model runs with it).
    func forward(_ input: FloatMatrix, graph: GraphContext, workspace: Workspace, stateDType: StateDType,
                 progress: (Int) -> Void, into out: UnsafeMutablePointer<Float>) throws {
        switch stateDType {
        case .f32: try forward(input, graph: graph, workspace: workspace, progress: progress, into: out, as: Float.self)
        case .bf16: try forward(input, graph: graph, workspace: workspace, progress: progress, into: out, as: BFloat16.self)
        case .f16: try forward(input, graph: graph, workspace: workspace, progress: progress, into: out, as: Float16.self)
        }
    }

    private func forward<E: StateElement>(_ input: FloatMatrix, graph: GraphContext, workspace: Workspace,
                                          progress: (Int) -> Void, into out: UnsafeMutablePointer<Float>, as _: E.Type) throws {
        let n = graph.nodeCount, hidden = architecture.hiddenChannels
        let block = architecture.resolvedBlock
        // Buffers a conv gathers from hold the graph's source rows (a shard's halo rows after its own): the
        // encoded input (a first conv's input, later the chain's), and the state where res and plain
        // layers convolve it.
        let sources = graph.sourceRowCount
        let encoded = try workspace.buffer("res.encoded", count: sources * hidden, of: E.self)
        RowBlocks.linearIntoGroups(input, encoder, groups: 1, into: encoded, read: graph.releaseNodeFeatures(rows:))
        graph.releaseNodeFeatures()
        let state = try workspace.buffer("res.state", count: (block.kind == .resPlus ? n : sources) * hidden, of: E.self)
        var start = 0
        if block.first == .conv {
            graph.exchangeHalo(encoded, columns: hidden)
            try convolve(layers.layer(0).conv, UnsafePointer(encoded), into: state, graph: graph, workspace: workspace)
            progress(1)
            start = 1
        } else {
            state.update(from: encoded, count: n * hidden)
        }
        switch block.kind {
        case .resPlus:
            let chain: any StateChain<E>
            if let free = encoded as? UnsafeMutablePointer<Float> {
                chain = try BlockChain(graph, channels: hidden, workspace: workspace, reusing: free) as! any StateChain<E>
            } else {
                chain = try NarrowBlockChain<E>(graph, channels: hidden, workspace: workspace, reusing: encoded)
            }
            try runPreActivation(from: start, state: state, chain: chain, graph: graph, progress: progress)
        case .res, .plain:
            if let state = state as? UnsafeMutablePointer<Float>, let scratch = encoded as? UnsafeMutablePointer<Float> {
                try runPostActivation(from: start, state: state, scratch: scratch, graph: graph, workspace: workspace, progress: progress)
            } else {
                try runPostActivation(from: start, state: state, graph: graph, workspace: workspace, progress: progress)
            }
        }
        workspace.releaseAll(except: "res.state")
        RowBlocks.normActivationLinearFromGroups(state, rows: n, groups: 1, groupWidth: hidden, norm: headNorm,
                                                 activation: headActivation, head, sums: graph.nodeSums, into: out)
    }

    /// res+ layers `start..<L`: state += conv(act(norm(state))), each layer's normalised input prepared by
    /// the layer before it.
    private func runPreActivation<E>(from start: Int, state: UnsafeMutablePointer<E>, chain: any StateChain<E>,
                                     graph: GraphContext, progress: (Int) -> Void) throws {
        guard start < architecture.layers else { return }
        var layer = try layers.layer(start)
        for step in start..<architecture.layers {
            let following = step + 1 < architecture.layers ? try layers.layer(step + 1) : nil
            try chain.run(layer.block, summing: [UnsafePointer(state)], addingInto: state, next: following?.block, graph: graph)
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

    /// The same layers with a 16-bit state: h = act(norm(conv(x))) in float32 (graph-mode norms included,
    /// over the whole float32 h), then the state becomes x + h (res) or h (plain), rounded once.
    private func runPostActivation<E: StateElement>(from start: Int, state: UnsafeMutablePointer<E>, graph: GraphContext,
                                                    workspace: Workspace, progress: (Int) -> Void) throws {
        let n = graph.nodeCount, hidden = architecture.hiddenChannels
        let residual = architecture.resolvedBlock.kind == .res
        let output = try workspace.buffer("narrow.result", count: n * hidden)
        for step in start..<architecture.layers {
            let layer = try layers.layer(step)
            graph.exchangeHalo(state, columns: hidden)
            try layer.conv.forward(StoredRows(UnsafePointer(state)), graph: graph, workspace: workspace, into: output)
            layer.norm.apply(output, rows: n, channels: hidden, activation: layer.activation, sums: graph.nodeSums)
            StateRows.storeInParallel(output, into: state, count: n * hidden, adding: residual)
            progress(step + 1)
        }
    }

    /// state = conv(x), through a float32 buffer when the state is 16-bit.
    private func convolve<E: StateElement>(_ conv: any GraphConvolution, _ x: UnsafePointer<E>, into state: UnsafeMutablePointer<E>,
                                           graph: GraphContext, workspace: Workspace) throws {
        if let state = state as? UnsafeMutablePointer<Float> {
            return try conv.forward(StoredRows(x), graph: graph, workspace: workspace, into: state)
        }
        let output = try workspace.buffer("narrow.result", count: graph.nodeCount * architecture.hiddenChannels)
        try conv.forward(StoredRows(x), graph: graph, workspace: workspace, into: output)
        StateRows.storeInParallel(output, into: state, count: graph.nodeCount * architecture.hiddenChannels, adding: false)
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
