import GNNFormats
import GNNKernels

/// ResGNN with PyG `DeepGCNLayer` res+ blocks, as in examples/ogbn_proteins_deepgcn.py:
/// node_encoder → layers[0].conv → for l ≥ 1: x = x + conv_l(relu(norm_l(x))) → relu(layers[0].norm(x)) → lin.
/// Weight-tied models hold one layer and apply it L times.
///
/// Inference keeps only the current state and one block output: O(N·D), whatever the depth (training
/// would need O(L·N·D), which is the paper's point against it).
struct ResidualModel: Sendable {
    let architecture: ModelArchitecture
    let encoder: Linear
    let layers: LayerStack<ResidualLayer>
    let head: Linear

    init(_ architecture: ModelArchitecture, _ weights: WeightReader) throws {
        self.architecture = architecture
        let hidden = architecture.hiddenChannels
        encoder = try Linear(weights, "node_encoder", in: architecture.inputChannels, out: hidden)
        let stored = architecture.family == .wtResgnn ? 1 : architecture.layers
        layers = try LayerStack(storedCount: stored, weights: weights) { layer in
            ResidualLayer(conv: try makeConvolution(architecture.conv, weights, "layers.\(layer).conv", channels: hidden,
                                                    edgeChannels: architecture.edgeChannels),
                          norm: try Norm(architecture.norm, weights, "layers.\(layer).norm", channels: hidden))
        }
        head = try Linear(weights, "lin", in: hidden, out: architecture.outputChannels)
    }

    func forward(_ input: FloatMatrix, graph: GraphContext, workspace: Workspace,
                 progress: (Int) -> Void, into out: UnsafeMutablePointer<Float>) throws {
        let n = graph.nodeCount, hidden = architecture.hiddenChannels
        let encoded = workspace.buffer("res.encoded", count: n * hidden)
        RowBlocks.linearIntoGroups(input, encoder, groups: 1, into: encoded)
        graph.releaseNodeFeatures()
        let state = workspace.buffer("res.state", count: n * hidden)
        let first = try layers.layer(0)
        first.conv.forward(encoded, graph: graph, workspace: workspace, into: state)
        progress(1)
        let chain = BlockChain(rows: n, channels: hidden, workspace: workspace, reusing: encoded)
        var layer = architecture.layers > 1 ? try layers.layer(1) : first
        for step in 1..<max(architecture.layers, 1) {
            let following = step + 1 < architecture.layers ? try layers.layer(step + 1) : nil
            chain.run(layer.block, input: state, addingInto: state, next: following?.block, graph: graph)
            progress(step + 1)
            if let following { layer = following }
        }
        workspace.releaseAll(except: "res.state")
        RowBlocks.normReluLinearFromGroups(state, rows: n, groups: 1, groupWidth: hidden, norm: first.norm, head, into: out)
    }
}

/// One res+ layer: its conv and the norm before it.
struct ResidualLayer: Sendable {
    let conv: any GraphConvolution
    let norm: Norm

    /// The res+ block: conv(relu(norm(x))).
    var block: GNNBlock { GNNBlock(norm: norm, conv: conv) }
}
