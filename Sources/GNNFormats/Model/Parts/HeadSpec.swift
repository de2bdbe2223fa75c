/// The model's output layer: norm → activation → Linear, after the last block (reversible and residual
/// families).
///
/// In a file: `{"norm": ..., "activation": ..., "linear": "lin"}`, every key optional. Absent keys take the
/// family's 1.0 meaning: the head's norm is the blocks' kind (`norm`, tensors `norm.*`) for `revgnn` and
/// layer 0's norm for `resgnn` (ogbn_proteins_deepgcn.py); the activation is the blocks'; the Linear is
/// `lin2` (`revgnn`) or `lin` (`resgnn`).
public struct HeadSpec: Codable, Sendable, Equatable {
    /// Which norm the head applies.
    public enum Norm: Codable, Sendable, Equatable {
        /// Its own, under the tensor prefix `norm` (`NormSpec` kind `none`: no norm at all).
        case own(NormSpec)
        /// Layer 0's (`layers.0.norm`), as examples/ogbn_proteins_deepgcn.py reuses it: `"layer0"`.
        case layer0

        static let layer0Name = "layer0"

        public init(from decoder: any Decoder) throws {
            if let name = try? decoder.singleValueContainer().decode(String.self), name == Self.layer0Name {
                self = .layer0
            } else {
                self = .own(try NormSpec(from: decoder))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .own(let spec): try spec.encode(to: encoder)
            case .layer0:
                var container = encoder.singleValueContainer()
                try container.encode(Self.layer0Name)
            }
        }
    }

    public var norm: Norm?
    public var activation: ActivationSpec?
    /// The Linear's name in the state_dict.
    public var linear: String?

    public init(norm: Norm? = nil, activation: ActivationSpec? = nil, linear: String? = nil) {
        self.norm = norm
        self.activation = activation
        self.linear = linear
    }
}
