/// A graph convolution and its options, named as in PyTorch Geometric's constructors.
///
/// Stored as one flat object: `{"kind": "gat", "heads": 2, ...}`. Keys a file leaves out take PyG's defaults
/// (the options types); keys that do not apply to `kind` are ignored, like any unknown key. The writer
/// states every option of the kind, so a file says exactly what the reader computes.
public enum ConvSpec: Codable, Sendable, Equatable {
    /// PyG `GCNConv`.
    case gcn(GCNOptions)
    /// PyG `SAGEConv`.
    case sage(SAGEOptions)
    /// PyG `GATConv`.
    case gat(GATOptions)
    /// PyG `GATv2Conv`.
    case gatv2(GATv2Options)
    /// PyG `GENConv`.
    case gen(GENOptions)
    /// PyG `GCN2Conv` (GCNII), which reads the initial features x₀ besides x: only the `gcnii` family uses it.
    case gcn2(GCN2Options)

    /// The value of the `kind` key.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case gcn, sage, gat, gatv2, gen, gcn2
    }

    public var kind: Kind {
        switch self {
        case .gcn: .gcn
        case .sage: .sage
        case .gat: .gat
        case .gatv2: .gatv2
        case .gen: .gen
        case .gcn2: .gcn2
        }
    }

    /// `edge_dim` when the file gives it (GAT, GATv2 and GEN have the option; the others read no edge features).
    public var edgeDim: Int? {
        switch self {
        case .gat(let options): options.edgeDim
        case .gatv2(let options): options.edgeDim
        case .gen(let options): options.edgeDim
        case .gcn, .sage, .gcn2: nil
        }
    }

    private enum CodingKeys: String, CodingKey {
        case kind
    }

    /// Reads `kind`, then the options of that kind from the same object.
    public init(from decoder: any Decoder) throws {
        self = switch try decoder.container(keyedBy: CodingKeys.self).decode(Kind.self, forKey: .kind) {
        case .gcn: .gcn(try GCNOptions(from: decoder))
        case .sage: .sage(try SAGEOptions(from: decoder))
        case .gat: .gat(try GATOptions(from: decoder))
        case .gatv2: .gatv2(try GATv2Options(from: decoder))
        case .gen: .gen(try GENOptions(from: decoder))
        case .gcn2: .gcn2(try GCN2Options(from: decoder))
        }
    }

    /// Writes `kind` and the options into one object.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .gcn(let options): try options.encode(to: encoder)
        case .sage(let options): try options.encode(to: encoder)
        case .gat(let options): try options.encode(to: encoder)
        case .gatv2(let options): try options.encode(to: encoder)
        case .gen(let options): try options.encode(to: encoder)
        case .gcn2(let options): try options.encode(to: encoder)
        }
    }
}
