import GNNFormats
import GNNKernels

/// `torch.nn.Linear`: y = x·Wᵀ + b, with W stored [out, in].
struct Linear: Sendable {
    let inChannels: Int
    let outChannels: Int
    let weight: [Float]
    let bias: [Float]?

    /// Reads `prefix.weight` [out, in] and, if present (or `requireBias`), `prefix.bias` [out].
    init(_ weights: WeightReader, _ prefix: String, in inChannels: Int, out outChannels: Int, bias requireBias: Bool? = nil) throws {
        self.inChannels = inChannels
        self.outChannels = outChannels
        weight = try weights.tensor("\(prefix).weight", shape: [outChannels, inChannels])
        switch requireBias {
        case true?: bias = try weights.tensor("\(prefix).bias", shape: [outChannels])
        case false?: bias = nil
        case nil: bias = try weights.optional("\(prefix).bias", shape: [outChannels])
        }
    }

    /// out (rows × out) = x (rows × in) · Wᵀ + b; `accumulate` adds to out.
    func apply(_ x: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        weight.withUnsafeBufferPointer { w in
            withOptionalPointer(bias) { b in
                Dense.linear(x, rows: rows, inDim: inChannels, weight: w.baseAddress!, outDim: outChannels,
                             bias: b, into: out, accumulate: accumulate)
            }
        }
    }

    /// `apply` on the calling thread only (inside a parallel region).
    func applySerial(_ x: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        weight.withUnsafeBufferPointer { w in
            withOptionalPointer(bias) { b in
                Dense.linearSerial(x, rows: rows, inDim: inChannels, weight: w.baseAddress!, outDim: outChannels,
                                   bias: b, into: out, accumulate: accumulate)
            }
        }
    }
}
