/// Row-wise normalisations and activations, in place.
public enum Normalization {
    /// `torch.nn.LayerNorm` over each row of `channels` values: (x − mean) / sqrt(var + eps) · w + b, with
    /// the biased variance. `weight`/`bias` nil means no affine transform; `activation` follows (the norm →
    /// activation of every block, in the same pass over the rows). With `source`, the rows are read
    /// from there and written to `x` (a copy and a norm in one pass), else normalised in place.
    public static func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, channels: Int,
                                 weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, eps: Float = 1e-5,
                                 activation: Activation = .identity, source: UnsafePointer<Float>? = nil) {
        KernelThreads.forEachBlock(rows: rows) { block in
            layerNormSerial(x + block.lowerBound * channels, rows: block.count, channels: channels,
                            weight: weight, bias: bias, eps: eps, activation: activation,
                            source: source.map { $0 + block.lowerBound * channels })
        }
    }

    /// `layerNorm` on the calling thread only.
    public static func layerNormSerial(_ x: UnsafeMutablePointer<Float>, rows: Int, channels: Int,
                                       weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, eps: Float = 1e-5,
                                       activation: Activation = .identity, source: UnsafePointer<Float>? = nil) {
        let w = RowVectors.width
        let vectorEnd = channels / w * w
        for r in 0..<rows {
            let row = x + r * channels
            let input = source.map { $0 + r * channels } ?? UnsafePointer(row)
            let (mean, variance) = moments(input, channels)
            // ATen's layer norm: y = (x · rstd − rstd · mean) · γ + β.
            let inverse = 1 / (max(variance, 0) + eps).squareRoot()
            let offset = -inverse * mean
            var c = 0
            while c < vectorEnd {
                var value = RowVectors.load(input, c) * inverse + offset
                if let weight { value *= RowVectors.load(weight, c) }
                if let bias { value += RowVectors.load(bias, c) }
                value = activation(value)
                RowVectors.store(value, row, c)
                c += w
            }
            while c < channels {
                var value = input[c] * inverse + offset
                if let weight { value *= weight[c] }
                if let bias { value += bias[c] }
                row[c] = activation(value)
                c += 1
            }
        }
    }

    /// Mean and biased variance of one row. Short rows (fewer than 8 values, below ATen's vector width) use
    /// Welford's update as ATen's `RowwiseMoments` does for them, so that layer norms over few channels
    /// (where rounding is amplified by up to 1/√eps) agree with PyTorch; longer rows use two passes, each
    /// summing eight lanes side by side (as ATen's vectorised path does) and then the lanes in order.
    @inline(__always)
    static func moments(_ row: UnsafePointer<Float>, _ channels: Int) -> (Float, Float) {
        if channels < 8 {
            var mean: Float = 0, m2: Float = 0
            for c in 0..<channels {
                let delta = row[c] - mean
                mean += delta / Float(c + 1)
                m2 += delta * (row[c] - mean)
            }
            return (mean, m2 / Float(channels))
        }
        let w = RowVectors.width
        let vectorEnd = channels / w * w
        var lanes = RowVectors.Vector.zero
        var c = 0
        while c < vectorEnd { lanes += RowVectors.load(row, c); c += w }
        var sum = lanes.sum()
        while c < channels { sum += row[c]; c += 1 }
        let mean = sum / Float(channels)
        lanes = .zero
        c = 0
        while c < vectorEnd {
            let d = RowVectors.load(row, c) - mean
            lanes += d * d
            c += w
        }
        var squares = lanes.sum()
        while c < channels {
            let d = row[c] - mean
            squares += d * d
            c += 1
        }
        return (mean, squares / Float(channels))
    }

    /// PyG's graph-mode `LayerNorm` with given statistics: ((x − mean) / (deviation + eps)) · w + b per
    /// channel (w, b only when both exist), then `activation`. On the calling thread only.
    public static func graphLayerNormSerial(_ x: UnsafeMutablePointer<Float>, rows: Int, channels: Int,
                                            mean: Float, deviation: Float, weight: UnsafePointer<Float>?,
                                            bias: UnsafePointer<Float>?, eps: Float = 1e-5, activation: Activation = .identity) {
        let divisor = deviation + eps
        for r in 0..<rows {
            let row = x + r * channels
            for c in 0..<channels {
                var value = (row[c] - mean) / divisor
                if let weight, let bias { value = value * weight[c] + bias[c] }
                row[c] = activation(value)
            }
        }
    }

    /// `graphLayerNormSerial` on all worker threads.
    public static func graphLayerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, channels: Int,
                                      mean: Float, deviation: Float, weight: UnsafePointer<Float>?,
                                      bias: UnsafePointer<Float>?, eps: Float = 1e-5, activation: Activation = .identity) {
        KernelThreads.forEachBlock(rows: rows) { block in
            graphLayerNormSerial(x + block.lowerBound * channels, rows: block.count, channels: channels,
                                 mean: mean, deviation: deviation, weight: weight, bias: bias, eps: eps, activation: activation)
        }
    }

    /// `y = x · scale + shift` per channel (BatchNorm in eval mode, folded), then `activation`.
    public static func affine(_ x: UnsafeMutablePointer<Float>, rows: Int, channels: Int,
                              scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, activation: Activation = .identity) {
        KernelThreads.forEachBlock(rows: rows) { block in
            affineSerial(x + block.lowerBound * channels, rows: block.count, channels: channels,
                         scale: scale, shift: shift, activation: activation)
        }
    }

    /// `affine` on the calling thread only.
    public static func affineSerial(_ x: UnsafeMutablePointer<Float>, rows: Int, channels: Int,
                                    scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, activation: Activation = .identity) {
        for r in 0..<rows {
            let row = x + r * channels
            for c in 0..<channels {
                let value = row[c] * scale[c] + shift[c]
                row[c] = activation(value)
            }
        }
    }

    /// L2-normalises each row: x / max(‖x‖₂, eps) (PyTorch's `F.normalize`), on the calling thread only.
    public static func l2NormalizeSerial(_ x: UnsafeMutablePointer<Float>, rows: Int, channels: Int, eps: Float = 1e-12) {
        for r in 0..<rows {
            let row = x + r * channels
            var squares: Float = 0
            for c in 0..<channels { squares += row[c] * row[c] }
            let inverse = 1 / max(squares.squareRoot(), eps)
            for c in 0..<channels { row[c] *= inverse }
        }
    }
}
