/// How a residual model's layers combine their conv with the state, as PyG's `DeepGCNLayer(block=...)`,
/// and what layer 0 is. Residual families only (`resgnn`, `wt-resgnn`).
///
/// In a file: `{"kind": "res+", "first": "conv"}`; absent keys (and an absent object) take these defaults,
/// which are examples/ogbn_proteins_deepgcn.py's model and the 1.0 meaning of the family.
public struct BlockSpec: Codable, Sendable, Equatable {
    /// `DeepGCNLayer`'s block kinds.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Pre-activation: x + conv(act(norm(x))).
        case resPlus = "res+"
        /// x + act(norm(conv(x))).
        case res
        /// act(norm(conv(x))), no skip connection.
        case plain
    }

    /// What the model does with layer 0.
    public enum FirstLayer: String, Codable, Sendable, CaseIterable {
        /// Only its conv: `x = layers[0].conv(x)`, as ogbn_proteins_deepgcn.py does; its norm serves the head.
        case conv
        /// The whole layer, like every other one.
        case block
    }

    public var kind: Kind = .resPlus
    public var first: FirstLayer = .conv

    public init(kind: Kind = .resPlus, first: FirstLayer = .conv) {
        self.kind = kind
        self.first = first
    }

    private enum CodingKeys: String, CodingKey {
        case kind, first
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decodeIfPresent(Kind.self, forKey: .kind) ?? kind
        first = try container.decodeIfPresent(FirstLayer.self, forKey: .first) ?? first
    }
}
