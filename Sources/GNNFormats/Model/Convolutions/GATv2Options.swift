/// The options of PyG `GATv2Conv` (`formats/model.md` §8.3), each with PyG 2.8's constructor default.
/// (`dropout` only acts in training; `fill_value` is PyG's default `"mean"`, the only one implemented.)
public struct GATv2Options: Codable, Sendable, Equatable {
    /// `heads`: attention heads H.
    public var heads: Int = 1
    /// `concat`: concatenate the heads' outputs (else average them).
    public var concat: Bool = true
    /// `negative_slope`: slope of the leaky ReLU applied to x_l[j] + x_r[i] (+ the edge term) before `att`.
    public var negativeSlope: Float = 0.2
    /// `add_self_loops`: each node also attends to itself.
    public var addSelfLoops: Bool = true
    /// `edge_dim`: the edge feature width the conv reads, `nil` (PyG's `None`) when not given. When given it
    /// must equal the architecture's `edge_channels` (`ModelArchitecture.validate()`).
    public var edgeDim: Int? = nil
    /// `bias`: biases in `lin_l` and `lin_r`, and a learned bias added last.
    public var bias: Bool = true
    /// `share_weights`: one linear map for sources and targets (`lin_r` is `lin_l`).
    public var shareWeights: Bool = false
    /// `residual`: add a linear transform of the input (tensor `res`).
    public var residual: Bool = false

    /// PyG's defaults.
    public init() {}

    /// An absent (or null) key keeps its default; keys of other convolutions are ignored.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        heads = try c.decodeIfPresent(Int.self, forKey: .heads) ?? heads
        concat = try c.decodeIfPresent(Bool.self, forKey: .concat) ?? concat
        negativeSlope = try c.decodeIfPresent(Float.self, forKey: .negativeSlope) ?? negativeSlope
        addSelfLoops = try c.decodeIfPresent(Bool.self, forKey: .addSelfLoops) ?? addSelfLoops
        edgeDim = try c.decodeIfPresent(Int.self, forKey: .edgeDim)
        bias = try c.decodeIfPresent(Bool.self, forKey: .bias) ?? bias
        shareWeights = try c.decodeIfPresent(Bool.self, forKey: .shareWeights) ?? shareWeights
        residual = try c.decodeIfPresent(Bool.self, forKey: .residual) ?? residual
    }
}
