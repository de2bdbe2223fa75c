import Foundation
import GNNFormats
import GNNModels

/// A draft description inferred from a state_dict alone (`gnn-export --guess`): the family from the layout
/// of PyG's examples (`lin1`/`convs.L.convs.G`/`lin2` of examples/rev_gnn.py, `node_encoder`/`layers.L`/`lin`
/// of examples/ogbn_proteins_deepgcn.py, `lins.0`/`convs.L`/`lins.1` of examples/gcn2_cora.py) or of the
/// `deq` family (`encoder`/`conv1`/`conv2`/`head`, formats/arch.md), sizes from shapes, the conv and its
/// options from the tensors it has. What the tensors cannot tell (activation, task, options that add no
/// tensor, GCNII's alpha and theta, a DEQ model's solver) is assumed and said.
public struct DescriptionGuess {
    public var architecture: ModelArchitecture
    /// Each choice the weights did not decide, for the user to check.
    public var assumptions: [String] = []
    /// The export options the draft needs: a `key_map` that removes a wrapper's prefix every key shares.
    public var export: ExportOptions?

    /// Reads the state_dict at `weights` (its `key` and `key_map` applied, as an export would) and infers
    /// its architecture. A prefix every key shares in front of an example's layout (`module.` of
    /// DataParallel, `_orig_mod.` of torch.compile) is mapped away in the draft's `export.key_map`.
    public init(weights: String, options: ExportOptions) throws {
        let state = try StateDict(path: weights, key: options.key)
        var options = options
        let wrapper = Self.wrapperPrefix(state.tensors.map { options.mapped($0.name) })
        if let wrapper { options.keyMap = (options.keyMap ?? [:]).merging([wrapper: ""]) { old, _ in old } }
        do {
            try self.init(state.tensors.map { $0.renamed(options.mapped($0.name)) })
        } catch let error as GNNError {
            throw error.located(at: weights)
        }
        if let wrapper {
            export = ExportOptions(keyMap: options.keyMap)
            assumptions.insert("every key starts with \"\(wrapper)\" (a wrapper such as DataParallel's module. or torch.compile's _orig_mod.): the draft's export.key_map removes it", at: 0)
        }
    }

    /// The names of the layouts' node encoders, whose presence identifies an example's layout.
    private static let layoutMarkers = ["lin1.weight", "node_encoder.weight", "lins.0.weight", "encoder.weight"]

    /// The shortest dotted prefix that every name shares and whose removal exposes an example's layout, or
    /// nil when the names already show one (or none appears).
    private static func wrapperPrefix(_ names: [String]) -> String? {
        guard !names.contains(where: layoutMarkers.contains) else { return nil }
        return SharedKeyPrefixes.of(names).first { prefix in
            names.contains { layoutMarkers.contains(String($0.dropFirst(prefix.count))) }
        }
    }

    /// Infers the architecture from the tensors' names and shapes (`num_batches_tracked` ignored).
    public init(_ tensors: [ImportedTensor]) throws {
        var shapes: [String: [Int]] = [:]
        for tensor in tensors where !tensor.name.hasSuffix("num_batches_tracked") { shapes[tensor.name] = tensor.shape }
        let named = Dictionary(tensors.map { ($0.name, $0) }) { first, _ in first }
        // Two tensors with the same values are one parameter stored twice (GATv2's share_weights): trained
        // weights of two parameters are never equal to the bit.
        let same: (String, String) -> Bool = { a, b in
            guard let a = named[a], let b = named[b], let x = try? a.floats(), let y = try? b.floats() else { return false }
            return x == y
        }
        func indices(under prefix: String) -> Set<Int> {
            Set(shapes.keys.compactMap { name in
                name.hasPrefix(prefix) ? name.dropFirst(prefix.count).split(separator: ".").first.flatMap { Int($0) } : nil
            })
        }
        if shapes["lins.0.weight"] != nil, shapes["lins.1.weight"] != nil, !indices(under: "convs.").isEmpty {
            try self.init(gcnii: shapes, layers: indices(under: "convs.").count)
            return
        }
        if shapes["encoder.weight"] != nil, shapes["head.weight"] != nil, shapes.keys.contains(where: { $0.hasPrefix("conv1.") }) {
            try self.init(deq: shapes, same: same)
            return
        }
        var notes: [String] = []
        let family: ModelArchitecture.Family, node: String, head: String, block: String, layers: Int, groups: Int
        if shapes["lin1.weight"] != nil, shapes["lin2.weight"] != nil, !indices(under: "convs.").isEmpty {
            layers = indices(under: "convs.").count
            groups = indices(under: "convs.0.convs.").count
            (node, head, block) = ("lin1", "lin2", "convs.0.convs.0.")
            family = layers == 1 ? .wtRevgnn : .revgnn
        } else if shapes["node_encoder.weight"] != nil, shapes["lin.weight"] != nil, !indices(under: "layers.").isEmpty {
            layers = indices(under: "layers.").count
            groups = 1
            (node, head, block) = ("node_encoder", "lin", "layers.0.")
            family = layers == 1 ? .wtResgnn : .resgnn
        } else {
            throw GNNError("has none of the layouts of PyG's examples/rev_gnn.py (lin1, convs.L.convs.G, lin2), ogbn_proteins_deepgcn.py (node_encoder, layers.L, lin) and gcn2_cora.py (lins.0, convs.L, lins.1), nor that of the deq family (encoder, conv1, conv2, head)",
                           fix: "write the description by hand (formats/arch.md), or rename keys with --key-map first")
        }
        guard let encoder = shapes[node + ".weight"], encoder.count == 2, let output = shapes[head + ".weight"], output.count == 2 else {
            throw GNNError("has \(node).weight or \(head).weight that is not a matrix", fix: "write the description by hand (formats/arch.md)")
        }
        if layers == 1 {
            notes.append("one layer stored: family \(family.rawValue) (weight-tied) with layers 1; set layers to the depth the model runs")
        }
        let edgeEncoder = shapes["edge_encoder.weight"]
        let conv = try Self.conv(at: block + "conv.", shapes, same: same, notes: &notes)
        let edgeChannels = edgeEncoder?[1] ?? conv.edgeDim ?? 0
        let norm = Self.norm(at: block + "norm.", shapes, notes: &notes)
        var architecture = ModelArchitecture(family: family, layers: layers, groups: groups, inputChannels: encoder[1],
                                             hiddenChannels: encoder[0], outputChannels: output[0], edgeChannels: edgeChannels,
                                             task: .multiClass, norm: norm, conv: conv)
        let headNorm = Self.norm(at: "norm.", shapes, notes: &notes)
        if family == .revgnn || family == .wtRevgnn {
            if headNorm.kind == .none, norm.kind != .none {
                notes.append("norm.* holds no tensors: the head has no norm (a LayerNorm without affine has no tensors either): set head.norm if the model has one")
            }
            if headNorm.kind != norm.kind { architecture.head = HeadSpec(norm: .own(headNorm)) }
        } else if headNorm.kind != .none {
            architecture.block = BlockSpec(kind: .resPlus, first: .block)
            architecture.head = HeadSpec(norm: .own(headNorm))
            notes.append("block res+ with layer 0 a full block, the head with its own norm (DeepGCNLayer on every layer and a final norm.*; res and plain blocks have the same tensors): set block if the model differs")
        } else {
            notes.append("block res+ with layer 0 its bare conv and the head reusing layer 0's norm (examples/ogbn_proteins_deepgcn.py; res and plain blocks, and a full layer 0 with no final norm, have the same tensors): set block and head if the model differs")
        }
        if edgeEncoder != nil { architecture.encoder = EncoderSpec(edge: "edge_encoder") }
        try self.init(architecture, shapes, notes: notes)
    }

    /// examples/gcn2_cora.py's layout: `lins.0` (input → hidden), `convs.L.weight1` (and `weight2` when
    /// the weights are not shared), `lins.1` (hidden → output).
    private init(gcnii shapes: [String: [Int]], layers: Int) throws {
        guard let encoder = shapes["lins.0.weight"], encoder.count == 2, let output = shapes["lins.1.weight"], output.count == 2 else {
            throw GNNError("has lins.0.weight or lins.1.weight that is not a matrix", fix: "write the description by hand (formats/arch.md)")
        }
        var options = GCN2Options(alpha: 0.1)
        options.theta = 0.5
        options.sharedWeights = shapes["convs.0.weight2"] == nil
        let notes = ["GCN2Conv alpha 0.1 and theta 0.5 (examples/gcn2_cora.py's values; no tensor tells), add_self_loops and normalize true (PyG's defaults): set alpha and theta to the values the model was built with"]
        let architecture = ModelArchitecture(family: .gcnii, layers: layers, groups: 1, inputChannels: encoder[1],
                                             hiddenChannels: encoder[0], outputChannels: output[0], edgeChannels: 0,
                                             task: .multiClass, norm: .none, conv: .gcn2(options))
        try self.init(architecture, shapes, notes: notes)
    }

    /// The `deq` family's layout (formats/arch.md): `encoder`, `conv1`, `norm1`, `conv2`, `norm2`, an
    /// optional `head_norm`, `head`.
    private init(deq shapes: [String: [Int]], same: (String, String) -> Bool) throws {
        guard let encoder = shapes["encoder.weight"], encoder.count == 2, let output = shapes["head.weight"], output.count == 2 else {
            throw GNNError("has encoder.weight or head.weight that is not a matrix", fix: "write the description by hand (formats/arch.md)")
        }
        var notes: [String] = []
        let conv = try Self.conv(at: "conv1.", shapes, same: same, notes: &notes)
        let norm = Self.norm(at: "norm1.", shapes, notes: &notes)
        let solver = SolverSpec(method: .anderson, tolerance: 1e-4, maxIterations: 50)
        notes.append("solver anderson with tolerance 1e-4 and max_iterations 50 (the weights do not say how the model was solved): set the solver the model was trained with")
        let architecture = ModelArchitecture(family: .deq, layers: 1, groups: 1, inputChannels: encoder[1],
                                             hiddenChannels: encoder[0], outputChannels: output[0],
                                             edgeChannels: conv.edgeDim ?? 0, task: .multiClass, norm: norm, conv: conv,
                                             solver: solver, headNorm: shapes["head_norm.weight"] != nil ? true : nil)
        try self.init(architecture, shapes, notes: notes)
    }

    /// Completes a draft: the assumptions every layout shares, and a check that the draft reads the weights.
    private init(_ architecture: ModelArchitecture, _ shapes: [String: [Int]], notes: [String]) throws {
        self.architecture = architecture
        assumptions = notes
        assumptions.append("task multi-class and activation relu in the blocks and the head (the weights do not say): set task and activation if the model differs")
        let audit = try WeightAudit(architecture, offered: shapes)
        if !audit.isClean {
            assumptions.append("the draft leaves \(audit.missing.count) tensors missing, \(audit.wrongShape.count) wrongly shaped and \(audit.unexpected.count) unexpected: complete it by hand")
        }
    }

    /// The draft as the JSON a description holds (the architecture and, when needed, `export`), keys sorted.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(Draft(architecture: architecture, export: export)), as: UTF8.self)
    }

    /// The architecture's keys at the top level, beside `export`, as formats/arch.md lays a description out.
    private struct Draft: Encodable {
        let architecture: ModelArchitecture
        let export: ExportOptions?

        func encode(to encoder: any Encoder) throws {
            try architecture.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encodeIfPresent(export, forKey: Key(stringValue: "export"))
        }

        struct Key: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }
    }

    /// The conv whose tensors sit under `prefix`, told apart by the tensors each kind has.
    private static func conv(at prefix: String, _ shapes: [String: [Int]], same: (String, String) -> Bool,
                             notes: inout [String]) throws -> ConvSpec {
        func has(_ name: String) -> Bool { shapes[prefix + name] != nil }
        // With an edge encoder, a GAT/GATv2 lin_edge reads its hidden-wide output (edge_dim = hidden) and a
        // GEN conv has no lin_edge (PyG builds one only when edge_dim differs from the conv's width).
        let edgeDim = shapes[prefix + "lin_edge.weight"].map { $0[1] }
        if let first = shapes[prefix + "mlp.0.weight"], first.count == 2 {
            var options = GENOptions()
            options.expansion = max(1, first[0] / max(first[1], 1))
            options.numLayers = shapes.keys.filter { $0.hasPrefix(prefix + "mlp.") && $0.hasSuffix(".weight") && shapes[$0]?.count == 2 }.count
            options.mlpNorm = has("mlp.1.running_mean") ? .batch : has("mlp.1.weight") ? .layer : .none
            options.msgNorm = has("msg_norm.scale")
            options.bias = has("mlp.0.bias")
            options.edgeDim = edgeDim
            if options.msgNorm {
                notes.append("GENConv learn_msg_scale false (it matters to training only; msg_norm.scale is stored either way)")
            }
            if has("aggr_module.t") {
                (options.aggr, options.learnT) = (.softmax, true)
                notes.append("GENConv t initialised to 1 (the learned t is read from aggr_module.t; its initial value only matters to training)")
            } else if has("aggr_module.p") {
                (options.aggr, options.learnP) = (.powerMean, true)
                notes.append("GENConv p initialised to 1 (the learned p is read from aggr_module.p; its initial value only matters to training)")
            } else {
                notes.append("GENConv aggr softmax with t 1 (a fixed aggregation leaves no tensor): set aggr, t or p if the model differs")
            }
            return .gen(options)
        }
        if let att = shapes[prefix + "att"], att.count == 3 {
            var options = GATv2Options()
            options.heads = att[1]
            options.shareWeights = !has("lin_r.weight") || same(prefix + "lin_l.weight", prefix + "lin_r.weight")
            options.bias = has("bias")
            options.residual = has("res.weight")
            options.edgeDim = edgeDim
            options.concat = Self.concat(heads: att, bias: shapes[prefix + "bias"], conv: "GATv2Conv", notes: &notes)
            return .gatv2(options)
        }
        if let att = shapes[prefix + "att_src"], att.count == 3 {
            var options = GATOptions()
            options.heads = att[1]
            options.bias = has("bias")
            options.residual = has("res.weight")
            options.edgeDim = edgeDim
            options.concat = Self.concat(heads: att, bias: shapes[prefix + "bias"], conv: "GATConv", notes: &notes)
            return .gat(options)
        }
        if has("lin_l.weight") {
            var options = SAGEOptions()
            options.project = has("lin.weight")
            options.rootWeight = has("lin_r.weight")
            options.bias = has("lin_l.bias")
            notes.append("SAGEConv aggr mean and normalize false (PyG's defaults; no tensor tells)")
            return .sage(options)
        }
        if has("lin.weight") {
            var options = GCNOptions()
            options.bias = has("bias")
            notes.append("GCNConv improved false, add_self_loops and normalize true (PyG's defaults; no tensor tells)")
            return .gcn(options)
        }
        throw GNNError("has no conv tensors PyG's GCN, SAGE, GAT, GATv2 or GEN convs have under \"\(prefix)\"",
                       fix: "write the description by hand (formats/arch.md)")
    }

    /// GAT's `concat`, told by its bias: heads × channels wide when the heads are concatenated, one head's
    /// width when they are averaged. Without a bias (or with one head, where both agree) it is assumed.
    private static func concat(heads att: [Int], bias: [Int]?, conv: String, notes: inout [String]) -> Bool {
        let (heads, channels) = (att[1], att[2])
        let concat = heads == 1 || bias?.first != channels
        if heads > 1, bias == nil {
            notes.append("\(conv) concat true and negative_slope 0.2 (PyG's defaults; with no bias no tensor tells)")
        } else {
            notes.append("\(conv) negative_slope 0.2 (PyG's default; no tensor tells)")
        }
        return concat
    }

    /// The norm under `prefix`: BatchNorm has running statistics, LayerNorm a weight only.
    private static func norm(at prefix: String, _ shapes: [String: [Int]], notes: inout [String]) -> NormSpec {
        if shapes[prefix + "running_mean"] != nil {
            notes.append("\(prefix)* is torch.nn.BatchNorm1d with eps 1e-5 (PyG's default; no tensor tells)")
            return NormSpec(kind: .batch, affine: shapes[prefix + "weight"] != nil)
        }
        if shapes[prefix + "weight"] != nil {
            notes.append("\(prefix)* is torch.nn.LayerNorm with eps 1e-5 (PyG's graph-mode LayerNorm has the same tensors)")
            return .layer
        }
        return .none
    }
}
