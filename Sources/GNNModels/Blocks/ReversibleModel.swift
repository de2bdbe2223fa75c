import GNNFormats
import GNNKernels

/// RevGNN as in PyG's examples/rev_gnn.py: lin1 → L grouped reversible blocks → norm → ReLU → lin2.
///
/// Each layer is PyG's `GroupAddRev._forward` (paper eq. 2–3) on C groups of d = D/C channels:
/// X'_0 = Σ_{i≥1} X_i, then X'_i = f_i(X'_{i−1}) + X_i. It runs in place on one N × D state stored group
/// by group: group i is overwritten by X'_i as soon as it is computed, so a layer needs only O(N·d)
/// extra memory, whatever the depth: one buffer that holds the exchange sum and then each block's
/// normalised input, one block output, and the conv's own scratch.
struct ReversibleModel: Sendable {
    let architecture: ModelArchitecture
    let lin1: Linear
    /// Each layer's C blocks; weight-tied models have one layer applied L times.
    let blocks: LayerStack<[GNNBlock]>
    let finalNorm: Norm
    let lin2: Linear

    init(_ architecture: ModelArchitecture, _ weights: WeightReader) throws {
        self.architecture = architecture
        let hidden = architecture.hiddenChannels, groups = architecture.groups
        // PyG's GroupAddRev splits any extra argument whose last dimension equals the hidden width, so with
        // E == hidden each group would see only its slice of the edge features; that variant is not built.
        guard architecture.edgeChannels == 0 || architecture.edgeChannels != hidden else {
            throw GNNError("reversible models with edge_channels equal to hidden_channels (\(hidden)) are not supported: GroupAddRev would split the edge features between groups")
        }
        lin1 = try Linear(weights, "lin1", in: architecture.inputChannels, out: hidden)
        let stored = architecture.family == .wtRevgnn ? 1 : architecture.layers
        blocks = try LayerStack(storedCount: stored, weights: weights) { layer in
            try (0..<groups).map { group in
                let prefix = "convs.\(layer).convs.\(group)"
                return GNNBlock(norm: try Norm(architecture.norm, weights, "\(prefix).norm", channels: hidden / groups),
                                conv: try makeConvolution(architecture.conv, weights, "\(prefix).conv",
                                                          channels: hidden / groups, edgeChannels: architecture.edgeChannels))
            }
        }
        finalNorm = try Norm(architecture.norm, weights, "norm", channels: hidden)
        lin2 = try Linear(weights, "lin2", in: hidden, out: architecture.outputChannels)
    }

    func forward(_ input: FloatMatrix, graph: GraphContext, workspace: Workspace,
                 progress: (Int) -> Void, into out: UnsafeMutablePointer<Float>) throws {
        let n = graph.nodeCount, hidden = architecture.hiddenChannels, groups = architecture.groups
        let d = hidden / groups
        let state = workspace.buffer("rev.state", count: n * hidden)
        RowBlocks.linearIntoGroups(input, lin1, groups: groups, into: state)
        graph.releaseNodeFeatures()
        let exchange = workspace.buffer("rev.exchange", count: n * d)
        for layer in 0..<architecture.layers {
            let layerBlocks = try blocks.layer(layer)
            for group in 0..<groups {
                // Group 0 reads X'_0 = Σ_{i≥1} X_i (with two groups, X_1 itself, read in place); group i > 0
                // reads X'_{i−1}, already updated. The block's normalised input goes to `exchange`.
                var input = UnsafePointer(state + (group == 0 ? 1 : group - 1) * n * d)
                if group == 0 && groups > 2 {
                    exchange.update(from: state + n * d, count: n * d)
                    for other in 2..<groups { add(state + other * n * d, into: exchange, count: n * d) }
                    input = UnsafePointer(exchange)
                }
                layerBlocks[group].forward(input, normedInto: exchange, graph: graph, workspace: workspace,
                                           addingInto: state + group * n * d)
            }
            progress(layer + 1)
        }
        workspace.releaseAll(except: "rev.state")
        RowBlocks.normReluLinearFromGroups(state, rows: n, groups: groups, groupWidth: d, norm: finalNorm, lin2, into: out)
    }
}

/// target += source elementwise.
func add(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
    let s = UncheckedPointer(UnsafeMutablePointer(mutating: source)), t = UncheckedPointer(target)
    KernelThreads.forEachBlock(rows: count, blockRows: 1 << 16) { block in
        for i in block { t.pointer[i] += s.pointer[i] }
    }
}
