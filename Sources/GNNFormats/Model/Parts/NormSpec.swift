/// A normalisation layer of the architecture: its kind, its ε and whether it has a learned affine.
///
/// In a file: the 1.0 form, a bare kind (`"layer"`, meaning ε = 1e-5 with an affine), or an object
/// `{"kind": "layer", "eps": 1e-6, "affine": true}` whose absent keys take those defaults. The writer
/// states every field (format 1.1), so a file says exactly what the reader computes.
public struct NormSpec: Codable, Sendable, Equatable {
    /// Which normalisation.
    public var kind: ModelArchitecture.Norm
    /// ε added to the variance: `eps` of `torch.nn.LayerNorm`, `torch.nn.BatchNorm1d` and PyG's
    /// `LayerNorm` (1e-5 for all three).
    public var eps: Float = NormSpec.defaultEps
    /// `elementwise_affine` (LayerNorm) or `affine` (BatchNorm1d, PyG LayerNorm): whether the layer has
    /// `weight` and `bias` tensors. False: none is read.
    public var affine = true

    /// PyTorch's default ε, and what a 1.0 file's bare kind means.
    public static let defaultEps: Float = 1e-5

    public init(kind: ModelArchitecture.Norm, eps: Float = NormSpec.defaultEps, affine: Bool = true) {
        self.kind = kind
        self.eps = eps
        self.affine = affine
    }

    /// `torch.nn.LayerNorm` with PyTorch's defaults.
    public static let layer = NormSpec(kind: .layer)
    /// `torch.nn.BatchNorm1d` with PyTorch's defaults.
    public static let batch = NormSpec(kind: .batch)
    /// PyG `LayerNorm(mode="graph")` with PyG's defaults.
    public static let graphLayer = NormSpec(kind: .graphLayer)
    /// No normalisation.
    public static let none = NormSpec(kind: .none)

    private enum CodingKeys: String, CodingKey {
        case kind, eps, affine
    }

    public init(from decoder: any Decoder) throws {
        if (try? decoder.singleValueContainer().decode(String.self)) != nil {
            self.init(kind: try Self.kind(decoder))
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(kind: try Self.kind(container.superDecoder(forKey: .kind)))
        eps = try container.decodeIfPresent(Float.self, forKey: .eps) ?? eps
        affine = try container.decodeIfPresent(Bool.self, forKey: .affine) ?? affine
    }

    /// The kind `decoder` names; another name is refused with the supported ones.
    private static func kind(_ decoder: any Decoder) throws -> ModelArchitecture.Norm {
        try OptionName.decode(decoder) { name in
            "norm \"\(name)\" is not supported (\(ModelArchitecture.Norm.allCases.map(\.rawValue).joined(separator: ", ")))"
        }
    }

    /// The problem with the values, or nil when a reader can use them.
    var problem: String? {
        eps.isFinite && eps > 0 ? nil : "eps is \(eps); it must be a positive number"
    }
}
