import GNNFormats
import GNNKernels

/// The heads of an attention conv (PyG `GATConv`, `GATv2Conv`) and what follows their aggregation: H heads of
/// C channels (C = channels / H when concatenated, else C = channels), concatenated or averaged, then
/// `+ res(x)` when residual, `+ bias`.
struct AttentionHeads: Sendable {
    /// H.
    let heads: Int
    /// C.
    let headChannels: Int
    let concat: Bool
    /// `res`: a linear transform of the input added to the output.
    let residual: Linear?
    let bias: [Float]?

    /// H · C, the width of the aggregated heads.
    var width: Int { heads * headChannels }

    /// Checks that `heads` fit `channels` and reads `res.weight` and `bias` under `prefix` when the options ask
    /// for them; `name` is the PyG class, for messages.
    init(_ name: String, heads: Int, concat: Bool, residual: Bool, bias: Bool, _ weights: WeightReader, _ prefix: String,
         channels: Int) throws {
        guard heads >= 1, !concat || channels % heads == 0 else {
            throw GNNError("\(name) with \(heads) heads cannot concatenate to \(channels) channels")
        }
        self.heads = heads
        self.concat = concat
        headChannels = concat ? channels / heads : channels
        let outWidth = concat ? heads * headChannels : headChannels
        self.residual = residual ? try Linear(weights, "\(prefix).res", in: channels, out: outWidth, bias: false) : nil
        self.bias = bias ? try weights.tensor("\(prefix).bias", shape: [outWidth]) : nil
    }

    /// Where the aggregation writes its N × H·C result: `out` itself when the heads are concatenated, else a
    /// workspace buffer that `finish` averages into `out`.
    func aggregationTarget(_ out: UnsafeMutablePointer<Float>, rows: Int, workspace: Workspace) throws -> UnsafeMutablePointer<Float> {
        concat ? out : try workspace.buffer("attention.heads", count: rows * width)
    }

    /// out = the heads of `aggregated` (from `aggregationTarget`) averaged unless concatenated, + res(x), + bias.
    func finish(_ aggregated: UnsafePointer<Float>, x: UnsafePointer<Float>, rows n: Int, into out: UnsafeMutablePointer<Float>) {
        if !concat {
            let heads = heads, channels = headChannels, width = width
            KernelThreads.forEachBlock(rows: n) { block in
                for v in block {
                    for c in 0..<channels {
                        var sum: Float = 0
                        for head in 0..<heads { sum += aggregated[v * width + head * channels + c] }
                        out[v * channels + c] = sum / Float(heads)
                    }
                }
            }
        }
        residual?.apply(x, rows: n, into: out, accumulate: true)
        if let bias { addRowVector(bias, to: out, rows: n) }
    }
}
