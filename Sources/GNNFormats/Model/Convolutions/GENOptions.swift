/// The options of PyG `GENConv` (DeeperGCN, `formats/model.md` §8.3), each with PyG 2.8's constructor
/// default. `learn_msg_scale` is not among them: it only decides whether training updates the message-norm
/// scale, which is stored as a tensor either way, so readers ignore the key.
public struct GENOptions: Codable, Sendable, Equatable {
    /// The aggregations GENConv names as strings. Written back under the first name below.
    public enum Aggregation: String, Codable, Sendable, CaseIterable {
        /// Softmax-weighted sum with temperature `t`.
        case softmax
        /// As `softmax`; the stop-gradient only matters in training.
        case softmaxSG = "softmax_sg"
        /// Power mean with exponent `p` (PyG also accepts `power`).
        case powerMean = "powermean"
        case max
        case mean
        /// Sum (PyG also accepts `sum`).
        case add

        public init(from decoder: any Decoder) throws {
            self = try OptionName.decode(decoder, aliases: ["power": .powerMean, "sum": .add]) {
                "GENConv aggregation \"\($0)\" is not supported (softmax, softmax_sg, powermean, max, mean, add)"
            }
        }
    }

    /// The norm between the MLP's linear layers.
    public enum MLPNorm: String, Codable, Sendable, CaseIterable {
        /// `torch.nn.BatchNorm1d` in eval mode.
        case batch
        /// `torch.nn.LayerNorm`.
        case layer
        /// No norm, ReLU only.
        case none

        public init(from decoder: any Decoder) throws {
            self = try OptionName.decode(decoder) { "GENConv MLP norm \"\($0)\" is not supported (batch, layer, none)" }
        }
    }

    /// `aggr`.
    public var aggr: Aggregation = .softmax
    /// `t`: softmax temperature, used when `learnT` is false.
    public var t: Float = 1
    /// `learn_t`: `t` was learned and is read from the tensor `aggr_module.t` instead.
    public var learnT: Bool = false
    /// `p`: power-mean exponent, used when `learnP` is false.
    public var p: Float = 1
    /// `learn_p`: `p` was learned and is read from the tensor `aggr_module.p` instead.
    public var learnP: Bool = false
    /// `msg_norm`: message normalisation, scaled by the tensor `msg_norm.scale`.
    public var msgNorm: Bool = false
    /// `norm` in PyG, `mlp_norm` in the file: the norm inside the MLP.
    public var mlpNorm: MLPNorm = .batch
    /// `num_layers`: the MLP's linear layers.
    public var numLayers: Int = 2
    /// `expansion`: the MLP's hidden width is channels × expansion.
    public var expansion: Int = 2
    /// `bias`: biases in the MLP's linear layers and in `lin_edge`.
    public var bias: Bool = false
    /// `edge_dim`: the edge feature width, `nil` (PyG's `None`) when not given. When given it must equal the
    /// architecture's `edge_channels` (`ModelArchitecture.validate()`).
    public var edgeDim: Int? = nil

    /// PyG's defaults.
    public init() {}

    /// An absent (or null) key keeps its default; keys of other convolutions are ignored.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        aggr = try c.decodeIfPresent(Aggregation.self, forKey: .aggr) ?? aggr
        t = try c.decodeIfPresent(Float.self, forKey: .t) ?? t
        learnT = try c.decodeIfPresent(Bool.self, forKey: .learnT) ?? learnT
        p = try c.decodeIfPresent(Float.self, forKey: .p) ?? p
        learnP = try c.decodeIfPresent(Bool.self, forKey: .learnP) ?? learnP
        msgNorm = try c.decodeIfPresent(Bool.self, forKey: .msgNorm) ?? msgNorm
        mlpNorm = try c.decodeIfPresent(MLPNorm.self, forKey: .mlpNorm) ?? mlpNorm
        numLayers = try c.decodeIfPresent(Int.self, forKey: .numLayers) ?? numLayers
        expansion = try c.decodeIfPresent(Int.self, forKey: .expansion) ?? expansion
        bias = try c.decodeIfPresent(Bool.self, forKey: .bias) ?? bias
        edgeDim = try c.decodeIfPresent(Int.self, forKey: .edgeDim)
    }
}
