import GNNFormats
import GNNKernels

/// A message-passing layer: node features in (`GraphContext.sourceRowCount` × inChannels: the rows it gathers,
/// on a shard its halo rows after its own), node features out (`GraphContext.nodeCount` × outChannels).
protocol GraphConvolution: Sendable {
    var inChannels: Int { get }
    var outChannels: Int { get }
    /// Computes the layer for all nodes. `x` is not modified; scratch comes from `workspace`.
    func forward(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace, into out: UnsafeMutablePointer<Float>) throws
    /// out += the layer's output (a reversible or residual update); `out` must not overlap `x`.
    func forward(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace, addingInto out: UnsafeMutablePointer<Float>) throws
    /// The layer for all nodes from rows stored in any format (`predict --state-dtype`): convs that gather
    /// their input rows read 16-bit rows as they gather them; the others widen x to float32 first.
    func forward(_ x: StoredRows, graph: GraphContext, workspace: Workspace, into out: UnsafeMutablePointer<Float>) throws
    /// The layer for all nodes with no N × C output: `consume(rows, values)` gets each block of rows' final
    /// output (outChannels per row) on the thread that computed it, the same bits as the other forwards.
    /// Returns false, having done nothing, where this conv or this graph does not allow it (a memory-tight
    /// caller then falls back to `forward(_:graph:workspace:into:)`).
    func forward(_ x: StoredRows, graph: GraphContext, inBlocks consume: (Range<Int>, UnsafePointer<Float>) -> Void) -> Bool
}

extension GraphConvolution {
    func forward(_ x: StoredRows, graph: GraphContext, inBlocks consume: (Range<Int>, UnsafePointer<Float>) -> Void) -> Bool {
        false
    }

    func forward(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace, addingInto out: UnsafeMutablePointer<Float>) throws {
        try addSeparately(x, graph: graph, workspace: workspace, into: out)
    }

    func forward(_ x: StoredRows, graph: GraphContext, workspace: Workspace, into out: UnsafeMutablePointer<Float>) throws {
        try forward(try widened(x, graph: graph, workspace: workspace), graph: graph, workspace: workspace, into: out)
    }

    /// x as float32 rows (all the graph's source rows, which the conv gathers): itself, or widened into a
    /// workspace buffer.
    func widened(_ x: StoredRows, graph: GraphContext, workspace: Workspace) throws -> UnsafePointer<Float> {
        if let rows = x.float32 { return rows }
        let count = graph.sourceRowCount * inChannels
        let wide = try workspace.buffer("conv.widened", count: count)
        KernelThreads.forEachBlock(rows: count, blockRows: KernelThreads.flatBlockLength) { block in
            x.widen(from: block.lowerBound, count: block.count, into: wide + block.lowerBound)
        }
        return UnsafePointer(wide)
    }

    /// out += the layer's output, computed into scratch first.
    func addSeparately(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace, into out: UnsafeMutablePointer<Float>) throws {
        let result = try workspace.buffer("conv.result", count: graph.nodeCount * outChannels)
        try forward(x, graph: graph, workspace: workspace, into: result)
        add(result, into: out, count: graph.nodeCount * outChannels)
    }
}

/// A conv that finishes its output a block of rows at a time and hands each block to its caller while those
/// rows are still in cache, so that the caller can derive the next block's input from them without another
/// pass over the state (`BlockChain`).
protocol RowBlockConvolution: GraphConvolution {
    /// Which buffer's rows `finished` may overwrite; nil when this layer's options keep it from finishing
    /// its output block by block (then only `forward(_:graph:workspace:addingInto:)` applies).
    var freedRows: FreedRows? { get }

    /// out += the layer's output, with `scratch` (N × inChannels floats, overlapping neither x nor out) as the
    /// conv's working rows. `finished(rows)` is called once for each block of rows, on the thread that
    /// finished it, as soon as those rows of `out` are final; it may then overwrite those rows of the buffer
    /// `freedRows` names.
    func forward(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace, addingInto out: UnsafeMutablePointer<Float>,
                 scratch: UnsafeMutablePointer<Float>, finished: ((Range<Int>) -> Void)?) throws
}

/// The buffer whose rows a `RowBlockConvolution` no longer reads once it has reported them finished.
enum FreedRows {
    /// Its scratch (SAGE: the means, consumed block by block).
    case scratch
    /// Its input x (GAT: read once, to compute h = lin(x), before any row is aggregated).
    case input
}

/// Builds the conv the architecture names, reading its weights under `prefix` (e.g. `convs.0.convs.1.conv`).
/// `edgeEncoder` is the model's shared edge encoder, if any (GEN, GAT and GATv2 read edge features;
/// `ModelArchitecture.validate` refuses it with other convs).
func makeConvolution(_ spec: ConvSpec, _ weights: WeightReader, _ prefix: String, channels: Int,
                     edgeChannels: Int, edgeEncoder: Linear? = nil) throws -> any GraphConvolution {
    switch spec {
    case .gcn(let options): try GCNConvolution(options, weights, prefix, channels: channels)
    case .sage(let options): try SAGEConvolution(options, weights, prefix, channels: channels)
    case .gat(let options): try GATConvolution(options, weights, prefix, channels: channels, edgeChannels: edgeChannels,
                                               sharedEdgeEncoder: edgeEncoder)
    case .gatv2(let options): try GATv2Convolution(options, weights, prefix, channels: channels, edgeChannels: edgeChannels,
                                                   sharedEdgeEncoder: edgeEncoder)
    case .gen(let options): try GENConvolution(options, weights, prefix, channels: channels, edgeChannels: edgeChannels,
                                               sharedEdgeEncoder: edgeEncoder)
    case .gcn2: throw GNNError("conv kind gcn2 reads the initial features x₀ besides x; only the gcnii family runs it")
    }
}
