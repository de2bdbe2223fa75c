import GNNKernels

/// The block inside reversible and residual models: conv(relu(norm(x))) (dropout is the identity at
/// inference), as `GNNBlock` in PyG's examples/rev_gnn.py and `DeepGCNLayer`'s res+ order, added to the
/// model's state as both families do.
struct GNNBlock: Sendable {
    let norm: Norm
    let conv: any GraphConvolution

    /// out += conv(relu(norm(x))), where `x` is overwritten with relu(norm(x)) (the caller no longer needs
    /// it) and must not overlap `out`.
    func forward(normalizingInPlace normed: UnsafeMutablePointer<Float>, graph: GraphContext, workspace: Workspace,
                 addingInto out: UnsafeMutablePointer<Float>) {
        norm.apply(normed, rows: graph.nodeCount, channels: conv.inChannels, relu: true)
        conv.forward(normed, graph: graph, workspace: workspace, addingInto: out)
    }
}
