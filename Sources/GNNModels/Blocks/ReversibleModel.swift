import GNNFormats
import GNNKernels

/// RevGNN as in PyG's examples/rev_gnn.py: lin1 → L grouped reversible blocks → norm → ReLU → lin2 (the
/// names, the head's norm and both activations as the architecture states them).
///
/// Each layer is PyG's `GroupAddRev._forward` (paper eq. 2–3) on C groups of d = D/C channels:
/// X'_0 = Σ_{i≥1} X_i, then X'_i = f_i(X'_{i−1}) + X_i. It runs in place on one N × D state stored group
/// by group: group i is overwritten by X'_i as soon as it is computed, so a layer needs only O(N·d)
/// extra memory, whatever the depth: the `BlockChain`'s two buffers (each block's normalised input, which
/// also holds the exchange sum of more than two groups, and the conv's scratch).
struct ReversibleModel: Sendable {
    let architecture: ModelArchitecture
    let lin1: Linear
    /// Each layer's C blocks; weight-tied models have one layer applied L times.
    let blocks: LayerStack<[GNNBlock]>
    let finalNorm: Norm
    let headActivation: Activation
    let lin2: Linear

    init(_ architecture: ModelArchitecture, _ weights: WeightReader) throws {
        self.architecture = architecture
        let hidden = architecture.hiddenChannels, groups = architecture.groups
        // PyG's GroupAddRev splits any extra argument whose last dimension equals the hidden width, so with
        // E == hidden each group would see only its slice of the edge features; that variant is not built.
        guard architecture.edgeChannels == 0 || architecture.edgeChannels != hidden else {
            throw GNNError("reversible models with edge_channels equal to hidden_channels (\(hidden)) are not supported: GroupAddRev would split the edge features between groups")
        }
        lin1 = try Linear(weights, architecture.nodeEncoderName, in: architecture.inputChannels, out: hidden)
        let activation = Activation(architecture.activation)
        let stored = architecture.family == .wtRevgnn ? 1 : architecture.layers
        blocks = try LayerStack(storedCount: stored, weights: weights) { layer in
            try (0..<groups).map { group in
                let prefix = "convs.\(layer).convs.\(group)"
                return GNNBlock(norm: try Norm(architecture.norm, weights, "\(prefix).norm", channels: hidden / groups),
                                activation: activation,
                                conv: try makeConvolution(architecture.conv, weights, "\(prefix).conv",
                                                          channels: hidden / groups, edgeChannels: architecture.edgeChannels))
            }
        }
        guard case .own(let headNorm) = architecture.headNormChoice else {
            preconditionFailure("ModelArchitecture.validate() refuses head.norm layer0 for reversible families")
        }
        finalNorm = try Norm(headNorm, weights, "norm", channels: hidden)
        headActivation = Activation(architecture.headActivation)
        lin2 = try Linear(weights, architecture.headLinearName, in: hidden, out: architecture.outputChannels)
    }

    /// `stateDType`: how the N × D state and each block's normalised input are stored (`StateDTypeSupport`
    /// has checked that this model runs with it).
    func forward(_ input: FloatMatrix, graph: GraphContext, workspace: Workspace, stateDType: StateDType,
                 progress: (Int) -> Void, into out: UnsafeMutablePointer<Float>) throws {
        let d = architecture.hiddenChannels / architecture.groups
        switch stateDType {
        case .f32:
            try forward(input, graph: graph, workspace: workspace, progress: progress, into: out,
                        chain: BlockChain(graph, channels: d, workspace: workspace))
        case .bf16:
            try forward(input, graph: graph, workspace: workspace, progress: progress, into: out,
                        chain: NarrowBlockChain<BFloat16>(graph, channels: d, workspace: workspace))
        case .f16:
            try forward(input, graph: graph, workspace: workspace, progress: progress, into: out,
                        chain: NarrowBlockChain<Float16>(graph, channels: d, workspace: workspace))
        }
    }

    private func forward<Chain: StateChain>(_ input: FloatMatrix, graph: GraphContext, workspace: Workspace,
                                            progress: (Int) -> Void, into out: UnsafeMutablePointer<Float>, chain: Chain) throws {
        let n = graph.nodeCount, hidden = architecture.hiddenChannels, groups = architecture.groups
        let d = hidden / groups
        let state = try workspace.buffer("rev.state", count: n * hidden, of: Chain.Element.self)
        RowBlocks.linearIntoGroups(input, lin1, groups: groups, into: state, read: graph.releaseNodeFeatures(rows:))
        graph.releaseNodeFeatures()
        var layerBlocks = try blocks.layer(0)
        for layer in 0..<architecture.layers {
            let following = layer + 1 < architecture.layers ? try blocks.layer(layer + 1) : nil
            for group in 0..<groups {
                // Group 0 reads X'_0 = Σ_{i≥1} X_i (with two groups, X_1 itself, read in place: the last group's
                // output, so the chain can prepare it); group i > 0 reads X'_{i−1}, the group before it.
                let inputs = group == 0 ? (1..<groups).map { UnsafePointer(state + $0 * n * d) } : [UnsafePointer(state + (group - 1) * n * d)]
                let next = group + 1 < groups ? layerBlocks[group + 1] : groups == 2 ? following?[0] : nil
                try chain.run(layerBlocks[group], summing: inputs, addingInto: state + group * n * d, next: next, graph: graph)
            }
            progress(layer + 1)
            if let following { layerBlocks = following }
        }
        workspace.releaseAll(except: "rev.state")
        RowBlocks.normActivationLinearFromGroups(state, rows: n, groups: groups, groupWidth: d, norm: finalNorm,
                                                 activation: headActivation, lin2, sums: graph.nodeSums, into: out)
    }
}

/// target += source elementwise.
func add(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
    KernelThreads.forEachBlock(rows: count, blockRows: KernelThreads.flatBlockLength) { block in
        for i in block { target[i] += source[i] }
    }
}
