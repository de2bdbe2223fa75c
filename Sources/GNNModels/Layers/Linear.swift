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

    /// The map x ↦ self(inner(x)) as one Linear (in: inner's inputs, out: self's outputs): weight W·W_inner,
    /// bias W·b_inner + b. Products are summed in Double and rounded once, so the composed map is at least
    /// as close to the exact one as applying the two in float32, as PyG does.
    ///
    /// Used where a model applies a Linear to the output of another with nothing in between, once per edge
    /// (a shared edge encoder feeding a conv's lin_edge): the composed map costs one product per edge.
    func composed(after inner: Linear) -> Linear {
        precondition(inner.outChannels == inChannels, "composing a Linear of \(inChannels) inputs after one of \(inner.outChannels) outputs")
        var weight = [Float](repeating: 0, count: outChannels * inner.inChannels)
        var bias = [Float](repeating: 0, count: outChannels)
        for o in 0..<outChannels {
            for i in 0..<inner.inChannels {
                var sum = 0.0
                for m in 0..<inChannels { sum += Double(self.weight[o * inChannels + m]) * Double(inner.weight[m * inner.inChannels + i]) }
                weight[o * inner.inChannels + i] = Float(sum)
            }
            var sum = Double(self.bias?[o] ?? 0)
            if let innerBias = inner.bias {
                for m in 0..<inChannels { sum += Double(self.weight[o * inChannels + m]) * Double(innerBias[m]) }
            }
            bias[o] = Float(sum)
        }
        return Linear(inChannels: inner.inChannels, outChannels: outChannels, weight: weight,
                      bias: self.bias == nil && inner.bias == nil ? nil : bias)
    }

    /// A Linear from its parts (weight out × in, row-major as torch's).
    init(inChannels: Int, outChannels: Int, weight: [Float], bias: [Float]?) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.weight = weight
        self.bias = bias
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
