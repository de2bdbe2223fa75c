/// The options of PyG `SAGEConv` (`formats/model.md` §8.3), each with PyG 2.8's constructor default.
public struct SAGEOptions: Codable, Sendable, Equatable {
    /// How neighbours are aggregated, as PyG's aggregation of that name. PyG accepts any aggregation; other
    /// names are refused when the file is read rather than computed wrongly. Written back under the first name.
    public enum Aggregation: String, Codable, Sendable, CaseIterable {
        /// The mean of the incoming neighbours' rows (0 without any).
        case mean
        /// Their sum (PyG also accepts `add`).
        case sum
        /// Their channel-wise maximum; a node without incoming edges gets 0, as PyG's scatter fills it.
        case max

        public init(from decoder: any Decoder) throws {
            self = try OptionName.decode(decoder, aliases: ["add": .sum]) {
                "SAGEConv with aggr \"\($0)\" is not supported (mean, sum, max)"
            }
        }
    }

    /// `aggr`.
    public var aggr: Aggregation = .mean
    /// `normalize`: L2-normalise each output row.
    public var normalize: Bool = false
    /// `root_weight`: add the node's own transform `lin_r(x)`.
    public var rootWeight: Bool = true
    /// `project`: replace neighbours by relu(lin(x)) before aggregating.
    public var project: Bool = false
    /// `bias`: a learned bias in `lin_l`.
    public var bias: Bool = true

    /// PyG's defaults.
    public init() {}

    /// An absent (or null) key keeps its default; keys of other convolutions are ignored.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        aggr = try c.decodeIfPresent(Aggregation.self, forKey: .aggr) ?? aggr
        normalize = try c.decodeIfPresent(Bool.self, forKey: .normalize) ?? normalize
        rootWeight = try c.decodeIfPresent(Bool.self, forKey: .rootWeight) ?? rootWeight
        project = try c.decodeIfPresent(Bool.self, forKey: .project) ?? project
        bias = try c.decodeIfPresent(Bool.self, forKey: .bias) ?? bias
    }
}
