/// The options of PyG `SAGEConv` (`formats/model.md` §8.3), each with PyG 2.8's constructor default.
public struct SAGEOptions: Codable, Sendable, Equatable {
    /// How neighbours are aggregated. PyG accepts any aggregation; only the mean is implemented, so any
    /// other name is refused when the file is read rather than computed wrongly.
    public enum Aggregation: String, Codable, Sendable, CaseIterable {
        case mean

        public init(from decoder: any Decoder) throws {
            self = try OptionName.decode(decoder) { "SAGEConv with aggr \"\($0)\" is not supported (only mean)" }
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
