import GNNKernels

/// The block inside reversible and residual models: conv(relu(norm(x))) (dropout is the identity at
/// inference), as `GNNBlock` in PyG's examples/rev_gnn.py and `DeepGCNLayer`'s res+ order, added to the
/// model's state as both families do.
struct GNNBlock: Sendable {
    let norm: Norm
    let conv: any GraphConvolution

    /// out += conv(relu(norm(x))), with relu(norm(x)) written to `normed` (scratch of x's size, which may be
    /// `x` itself when the caller no longer needs x). Neither may overlap `out`.
    func forward(_ x: UnsafePointer<Float>, normedInto normed: UnsafeMutablePointer<Float>, graph: GraphContext,
                 workspace: Workspace, addingInto out: UnsafeMutablePointer<Float>) {
        norm.apply(normed, from: x, rows: graph.nodeCount, channels: conv.inChannels, relu: true)
        conv.forward(normed, graph: graph, workspace: workspace, addingInto: out)
    }
}
