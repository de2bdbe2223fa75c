import GNNFormats
import GNNKernels

/// PyG `GCNConv`: h = x·Wᵀ (`lin`, no bias), then out[v] = Σ_u norm(u, v) · h[u] with GCN normalisation
/// and self loops (`GCNNormalization`), then `+ bias`. `improved` is accepted and, as in PyG 2.8 without
/// edge weights, has no effect.
struct GCNConvolution: GraphConvolution {
    let inChannels: Int
    let outChannels: Int
    let lin: Linear
    let bias: [Float]?
    let addSelfLoops: Bool
    let normalize: Bool

    init(_ options: GCNOptions, _ weights: WeightReader, _ prefix: String, channels: Int) throws {
        inChannels = channels
        outChannels = channels
        lin = try Linear(weights, "\(prefix).lin", in: channels, out: channels, bias: false)
        bias = options.bias ? try weights.tensor("\(prefix).bias", shape: [channels]) : nil
        addSelfLoops = options.addSelfLoops
        normalize = options.normalize
    }

    func forward(_ x: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace, into out: UnsafeMutablePointer<Float>) throws {
        let n = graph.nodeCount, sources = graph.sourceRowCount
        let h = try workspace.buffer("gcn.h", count: sources * outChannels)
        lin.apply(x, rows: sources, into: h)
        graph.gcnPropagate(h, channels: outChannels, normalize: normalize, addSelfLoops: addSelfLoops, into: out)
        if let bias { addRowVector(bias, to: out, rows: n) }
    }
}

/// out[r, :] += vector for every row.
func addRowVector(_ vector: [Float], to out: UnsafeMutablePointer<Float>, rows: Int) {
    KernelThreads.forEachBlock(rows: rows) { block in addRowVector(vector, to: out, rows: block) }
}

/// `addRowVector` for the rows in `rows` only, on the calling thread (inside a parallel region).
func addRowVector(_ vector: [Float], to out: UnsafeMutablePointer<Float>, rows: Range<Int>) {
    let width = vector.count
    vector.withUnsafeBufferPointer { source in
        for r in rows {
            let row = out + r * width
            for c in 0..<width { row[c] += source[c] }
        }
    }
}
