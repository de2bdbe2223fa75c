/// The model's input layers (reversible and residual families).
///
/// In a file: `{"node": "node_encoder", "edge": "edge_encoder"}`, both optional. `node` names the Linear
/// (F → hidden) that every model has; absent, it is the family's 1.0 name: `lin1` (`revgnn`),
/// `node_encoder` (`resgnn`). `edge` names an edge encoder, a Linear (E → hidden) applied to every edge's
/// features once and shared by every layer's conv, as examples/ogbn_proteins_deepgcn.py's `edge_encoder`;
/// absent, there is none and each conv reads the raw edge features itself.
public struct EncoderSpec: Codable, Sendable, Equatable {
    public var node: String?
    public var edge: String?

    public init(node: String? = nil, edge: String? = nil) {
        self.node = node
        self.edge = edge
    }
}
