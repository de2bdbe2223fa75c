import GNNFormats
import GNNKernels

/// GCNII as PyG's examples/gcn2_cora.py builds it (tensor names are that example's state_dict):
///
///     x₀ = x = relu(lins.0(features))
///     for l in 1…L:  x = relu(convs.{l−1}(x, x₀))         GCN2Conv with layer = l
///     logits = lins.1(x)
///
/// Dropout is the identity at inference. The example's final `log_softmax` is left out: it is monotone and
/// shifts every row by a constant, so the task's softmax (`--scores probs`) and the top classes are the same.
///
/// Memory: x₀, the state and the conv's output (three N × D buffers, the latter two trading roles each
/// layer) at any depth, and one layer's weights at a time (`LayerStack`).
struct GCNIIModel: Sendable {
    let architecture: ModelArchitecture
    let encoder: Linear
    let convs: LayerStack<GCN2Convolution>
    let head: Linear

    init(_ architecture: ModelArchitecture, _ weights: WeightReader) throws {
        guard case .gcn2(let options) = architecture.conv else {
            throw GNNError("the gcnii family needs conv kind gcn2, not \(architecture.conv.kind.rawValue)")
        }
        self.architecture = architecture
        let hidden = architecture.hiddenChannels
        encoder = try Linear(weights, "lins.0", in: architecture.inputChannels, out: hidden)
        convs = try LayerStack(storedCount: architecture.layers, weights: weights) { layer in
            try GCN2Convolution(options, weights, "convs.\(layer)", channels: hidden, layer: layer + 1)
        }
        head = try Linear(weights, "lins.1", in: hidden, out: architecture.outputChannels)
    }

    func forward(_ input: FloatMatrix, graph: GraphContext, workspace: Workspace,
                 progress: (Int) -> Void, into out: UnsafeMutablePointer<Float>) throws {
        let n = graph.nodeCount, hidden = architecture.hiddenChannels
        // x₀ and the states are convs' inputs: the graph's source rows (a shard's halo rows after its own).
        let sources = graph.sourceRowCount
        let initial = try workspace.buffer("gcnii.initial", count: sources * hidden)
        RowBlocks.linearIntoGroups(input, encoder, groups: 1, into: initial, read: graph.releaseNodeFeatures(rows:))
        graph.releaseNodeFeatures()
        Activation.relu.apply(initial, count: n * hidden)
        // Layer l reads buffer (l + 1) % 2 (layer 0 reads x₀ itself) and writes buffer l % 2.
        let names = ["gcnii.state.0", "gcnii.state.1"]
        let states = try names.map { try workspace.buffer($0, count: sources * hidden) }
        var x = UnsafePointer(initial)
        for layer in 0..<architecture.layers {
            let output = states[layer % 2]
            graph.exchangeHalo(UnsafeMutablePointer(mutating: x), columns: hidden)
            try convs.layer(layer).forward(x, initial: initial, graph: graph, into: output) { rows in
                let block = output + rows.lowerBound * hidden
                for i in 0..<rows.count * hidden { block[i] = max(block[i], 0) }
            }
            x = UnsafePointer(output)
            progress(layer + 1)
        }
        workspace.releaseAll(except: names[(architecture.layers - 1) % 2])
        head.apply(x, rows: n, into: out)
    }
}
