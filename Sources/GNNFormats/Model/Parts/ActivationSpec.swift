/// The activation function after a norm (blocks, head), with its parameters as PyTorch names them.
///
/// In a file: a bare name (`"relu"`, the 1.0 form; other names take their defaults) or an object
/// `{"kind": "leaky_relu", "negative_slope": 0.1}`. The writer states every parameter of the kind.
public struct ActivationSpec: Codable, Sendable, Equatable {
    /// The functions, by PyTorch's names.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// `torch.nn.ReLU`: max(x, 0).
        case relu
        /// `torch.nn.LeakyReLU(negative_slope)`: x for x > 0, else negative_slope · x.
        case leakyRelu = "leaky_relu"
        /// `torch.nn.ELU(alpha)`: x for x > 0, else alpha · (exp(x) − 1).
        case elu
        /// `torch.nn.GELU(approximate)`: x · Φ(x), exactly (`"none"`) or by PyTorch's tanh formula.
        case gelu
        /// `torch.nn.SiLU`: x · sigmoid(x).
        case silu
    }

    /// GELU's two formulas, as `torch.nn.GELU(approximate=...)` names them.
    public enum Approximation: String, Codable, Sendable, CaseIterable {
        case none, tanh
    }

    public var kind: Kind
    /// LeakyReLU's slope for negative inputs (PyTorch's default 0.01).
    public var negativeSlope: Float?
    /// ELU's α (PyTorch's default 1).
    public var alpha: Float?
    /// GELU's formula (PyTorch's default exact).
    public var approximate: Approximation?

    /// `kind` with PyTorch's default parameters, each stated.
    public init(_ kind: Kind) {
        self.kind = kind
        switch kind {
        case .leakyRelu: negativeSlope = 0.01
        case .elu: alpha = 1
        case .gelu: approximate = Approximation.none
        case .relu, .silu: break
        }
    }

    /// `torch.nn.ReLU`.
    public static let relu = ActivationSpec(.relu)

    private enum CodingKeys: String, CodingKey {
        case kind, negativeSlope, alpha, approximate
    }

    public init(from decoder: any Decoder) throws {
        if (try? decoder.singleValueContainer().decode(String.self)) != nil {
            self.init(try Self.kind(decoder))
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(try Self.kind(container.superDecoder(forKey: .kind)))
        // Only the kind's own parameters are kept: another kind's key is ignored, as unknown keys are.
        switch kind {
        case .leakyRelu: negativeSlope = try container.decodeIfPresent(Float.self, forKey: .negativeSlope) ?? negativeSlope
        case .elu: alpha = try container.decodeIfPresent(Float.self, forKey: .alpha) ?? alpha
        case .gelu: approximate = try container.decodeIfPresent(Approximation.self, forKey: .approximate) ?? approximate
        case .relu, .silu: break
        }
    }

    /// The kind `decoder` names; another name is refused with the supported ones.
    private static func kind(_ decoder: any Decoder) throws -> Kind {
        try OptionName.decode(decoder) { name in
            "activation \"\(name)\" is not supported (\(Kind.allCases.map(\.rawValue).joined(separator: ", ")))"
        }
    }

    /// ReLU as the bare name of format 1.0; every other kind as an object with its parameters.
    public func encode(to encoder: any Encoder) throws {
        if kind == .relu {
            var container = encoder.singleValueContainer()
            try container.encode(kind)
            return
        }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encodeIfPresent(negativeSlope, forKey: .negativeSlope)
        try container.encodeIfPresent(alpha, forKey: .alpha)
        try container.encodeIfPresent(approximate, forKey: .approximate)
    }

    /// The problem with the values, or nil when a reader can use them.
    var problem: String? {
        if let negativeSlope, !negativeSlope.isFinite { return "negative_slope is \(negativeSlope); it must be a finite number" }
        if let alpha, !alpha.isFinite { return "alpha is \(alpha); it must be a finite number" }
        return nil
    }
}
