/// Row-wise normalisations and activations, in place.
public enum Normalization {
    /// `torch.nn.LayerNorm` over each row of `channels` values: (x − mean) / sqrt(var + eps) · w + b, with
    /// the biased variance. `weight`/`bias` nil means no affine transform.
    public static func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, channels: Int,
                                 weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, eps: Float = 1e-5) {
        let xs = UnsafeSendableBox(x), ws = UnsafeSendableBox(weight), bs = UnsafeSendableBox(bias)
        KernelThreads.forEachBlock(rows: rows) { block in
            layerNormSerial(xs.value + block.lowerBound * channels, rows: block.count, channels: channels,
                            weight: ws.value, bias: bs.value, eps: eps)
        }
    }

    /// `layerNorm` on the calling thread only.
    public static func layerNormSerial(_ x: UnsafeMutablePointer<Float>, rows: Int, channels: Int,
                                       weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, eps: Float = 1e-5) {
            for r in 0..<rows {
                let row = x + r * channels
                let (mean, variance) = moments(row, channels)
                // ATen's layer norm: y = (x · rstd − rstd · mean) · γ + β.
                let inverse = 1 / (max(variance, 0) + eps).squareRoot()
                let offset = -inverse * mean
                for c in 0..<channels {
                    var value = row[c] * inverse + offset
                    if let weight { value *= weight[c] }
                    if let bias { value += bias[c] }
                    row[c] = value
                }
            }
    }

    /// Mean and biased variance of one row. Short rows (fewer than 8 values, below ATen's vector width) use
    /// Welford's update as ATen's `RowwiseMoments` does for them, so that layer norms over few channels
    /// (where rounding is amplified by up to 1/√eps) agree with PyTorch; longer rows use two passes.
    @inline(__always)
    static func moments(_ row: UnsafeMutablePointer<Float>, _ channels: Int) -> (Float, Float) {
        if channels < 8 {
            var mean: Float = 0, m2: Float = 0
            for c in 0..<channels {
                let delta = row[c] - mean
                mean += delta / Float(c + 1)
                m2 += delta * (row[c] - mean)
            }
            return (mean, m2 / Float(channels))
        }
        var sum: Float = 0
        for c in 0..<channels { sum += row[c] }
        let mean = sum / Float(channels)
        var squares: Float = 0
        for c in 0..<channels {
            let d = row[c] - mean
            squares += d * d
        }
        return (mean, squares / Float(channels))
    }

    /// `y = x · scale + shift` per channel (BatchNorm in eval mode, folded).
    public static func affine(_ x: UnsafeMutablePointer<Float>, rows: Int, channels: Int,
                              scale: UnsafePointer<Float>, shift: UnsafePointer<Float>) {
        let xs = UnsafeSendableBox(x), ss = UnsafeSendableBox(scale), hs = UnsafeSendableBox(shift)
        KernelThreads.forEachBlock(rows: rows) { block in
            affineSerial(xs.value + block.lowerBound * channels, rows: block.count, channels: channels, scale: ss.value, shift: hs.value)
        }
    }

    /// `affine` on the calling thread only.
    public static func affineSerial(_ x: UnsafeMutablePointer<Float>, rows: Int, channels: Int,
                                    scale: UnsafePointer<Float>, shift: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * channels
            for c in 0..<channels { row[c] = row[c] * scale[c] + shift[c] }
        }
    }

    /// `x = max(x, 0)` elementwise over `count` values.
    public static func relu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let xs = UnsafeSendableBox(x)
        KernelThreads.forEachBlock(rows: count, blockRows: 1 << 16) { block in
            for i in block { xs.value[i] = max(xs.value[i], 0) }
        }
    }

    /// L2-normalises each row: x / max(‖x‖₂, eps) (PyTorch's `F.normalize`).
    public static func l2Normalize(_ x: UnsafeMutablePointer<Float>, rows: Int, channels: Int, eps: Float = 1e-12) {
        let xs = UnsafeSendableBox(x)
        KernelThreads.forEachBlock(rows: rows) { block in
            for r in block {
                let row = xs.value + r * channels
                var squares: Float = 0
                for c in 0..<channels { squares += row[c] * row[c] }
                let inverse = 1 / max(squares.squareRoot(), eps)
                for c in 0..<channels { row[c] *= inverse }
            }
        }
    }
}
