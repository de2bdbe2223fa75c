import GNNKernels

/// The block inside reversible and residual models: out = conv(relu(norm(x))) (dropout is the identity
/// at inference), as `GNNBlock` in PyG's examples/rev_gnn.py and `DeepGCNLayer`'s res+ order.
struct GNNBlock: Sendable {
    let norm: Norm
    let conv: any GraphConvolution

    /// Computes the block for all nodes; `x` is left unchanged.
    func forward(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace, into out: UnsafeMutablePointer<Float>) {
        let normed = workspace.buffer("block.normed", count: graph.nodeCount * conv.inChannels)
        normed.update(from: x, count: graph.nodeCount * conv.inChannels)
        forward(normalizingInPlace: normed, graph: graph, workspace: workspace, into: out)
    }

    /// Computes the block on `x`, which it overwrites with relu(norm(x)) (saves a buffer when the caller
    /// no longer needs x).
    func forward(normalizingInPlace normed: UnsafeMutablePointer<Float>, graph: GraphContext, workspace: Workspace,
                 into out: UnsafeMutablePointer<Float>) {
        norm.apply(normed, rows: graph.nodeCount, channels: conv.inChannels, relu: true)
        conv.forward(normed, graph: graph, workspace: workspace, into: out)
    }
}
