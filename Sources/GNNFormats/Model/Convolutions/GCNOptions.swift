/// The options of PyG `GCNConv` (`formats/model.md` §8.3), each with PyG 2.8's constructor default.
public struct GCNOptions: Codable, Sendable, Equatable {
    /// `improved`: self loops with fill value 2. Accepted; without edge weights it changes nothing, exactly
    /// as in PyG 2.8 (`GCNNormalization`).
    public var improved: Bool = false
    /// `add_self_loops`. PyG's default `None` means "as `normalize`"; loops only enter through the
    /// normalisation, so `true` computes the same for either value of `normalize`.
    public var addSelfLoops: Bool = true
    /// `normalize`: symmetric normalisation D^-1/2 (A + I) D^-1/2.
    public var normalize: Bool = true
    /// `bias`: a learned bias (tensor `bias`) added after the aggregation.
    public var bias: Bool = true

    /// PyG's defaults.
    public init() {}

    /// An absent (or null) key keeps its default; keys of other convolutions are ignored.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        improved = try c.decodeIfPresent(Bool.self, forKey: .improved) ?? improved
        addSelfLoops = try c.decodeIfPresent(Bool.self, forKey: .addSelfLoops) ?? addSelfLoops
        normalize = try c.decodeIfPresent(Bool.self, forKey: .normalize) ?? normalize
        bias = try c.decodeIfPresent(Bool.self, forKey: .bias) ?? bias
    }
}
