import GNNKernels

/// The pre-activation block inside reversible and residual models: conv(activation(norm(x))) (dropout is
/// the identity at inference), as `GNNBlock` in PyG's examples/rev_gnn.py and `DeepGCNLayer`'s res+ order,
/// added to the model's state as both families do. `BlockChain` runs a model's blocks.
struct GNNBlock: Sendable {
    let norm: Norm
    let activation: Activation
    let conv: any GraphConvolution
}
