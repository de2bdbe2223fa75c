import GNNFormats
import GNNKernels

/// A normalisation layer: `torch.nn.LayerNorm` per node, `torch.nn.BatchNorm1d` in eval mode (folded into a
/// per-channel scale and shift), PyG's `LayerNorm` in graph mode (statistics over all nodes and channels),
/// or nothing.
enum Norm: Sendable {
    case layer(weight: [Float]?, bias: [Float]?)
    case batch(scale: [Float], shift: [Float])
    /// `statistics` nil: taken from the values being normalised, which must then be the whole matrix.
    case graphLayer(weight: [Float]?, bias: [Float]?, statistics: GraphStatistics?)
    case none

    /// Mean and standard deviation over every node and channel.
    struct GraphStatistics: Sendable {
        let mean: Float
        let deviation: Float
    }

    /// Reads the norm at `prefix` (`.weight`, `.bias`, and for batch norm `.running_mean`, `.running_var`).
    init(_ kind: ModelArchitecture.Norm, _ weights: WeightReader, _ prefix: String, channels: Int) throws {
        switch kind {
        case .layer:
            self = .layer(weight: try weights.optional("\(prefix).weight", shape: [channels]),
                          bias: try weights.optional("\(prefix).bias", shape: [channels]))
        case .batch:
            let mean = try weights.tensor("\(prefix).running_mean", shape: [channels])
            let variance = try weights.tensor("\(prefix).running_var", shape: [channels])
            let weight = try weights.optional("\(prefix).weight", shape: [channels]) ?? [Float](repeating: 1, count: channels)
            let bias = try weights.optional("\(prefix).bias", shape: [channels]) ?? [Float](repeating: 0, count: channels)
            // (x − μ) / sqrt(σ² + ε) · γ + β  =  x · s + (β − μ · s)  with s = γ / sqrt(σ² + ε).
            let scale = (0..<channels).map { weight[$0] / (variance[$0] + 1e-5).squareRoot() }
            self = .batch(scale: scale, shift: (0..<channels).map { bias[$0] - mean[$0] * scale[$0] })
        case .graphLayer:
            self = .graphLayer(weight: try weights.optional("\(prefix).weight", shape: [channels]),
                               bias: try weights.optional("\(prefix).bias", shape: [channels]), statistics: nil)
        case .none:
            self = .none
        }
    }

    /// Normalises `rows` × `channels` values in place, on all worker threads; with `relu`, then max(·, 0).
    func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, channels: Int, relu: Bool = false) {
        apply(x, rows: rows, channels: channels, relu: relu, serial: false)
    }

    /// x = norm(source) (then ReLU with `relu`): for layer norms in one pass over the rows, otherwise a copy
    /// and the norm in place. `source` may be `x`.
    func apply(_ x: UnsafeMutablePointer<Float>, from source: UnsafePointer<Float>, rows: Int, channels: Int, relu: Bool) {
        apply(x, from: source, rows: rows, channels: channels, relu: relu, serial: false)
    }

    /// `apply(_:from:rows:channels:relu:)` on the calling thread only (inside a parallel region), for norms
    /// that are `rowWise`.
    func applySerial(_ x: UnsafeMutablePointer<Float>, from source: UnsafePointer<Float>, rows: Int, channels: Int, relu: Bool) {
        apply(x, from: source, rows: rows, channels: channels, relu: relu, serial: true)
    }

    /// Whether a block of rows can be normalised on its own: false only for a graph-mode norm whose
    /// statistics are not fixed yet (they need every row first).
    var rowWise: Bool {
        if case .graphLayer(_, _, nil) = self { return false }
        return true
    }

    private func apply(_ x: UnsafeMutablePointer<Float>, from source: UnsafePointer<Float>, rows: Int, channels: Int,
                       relu: Bool, serial: Bool) {
        guard case .layer(let weight, let bias) = self, source != UnsafePointer(x) else {
            if source != UnsafePointer(x) { x.update(from: source, count: rows * channels) }
            return apply(x, rows: rows, channels: channels, relu: relu, serial: serial)
        }
        withOptionalPointer(weight) { w in
            withOptionalPointer(bias) { b in
                if serial {
                    Normalization.layerNormSerial(x, rows: rows, channels: channels, weight: w, bias: b, relu: relu, source: source)
                } else {
                    Normalization.layerNorm(x, rows: rows, channels: channels, weight: w, bias: b, relu: relu, source: source)
                }
            }
        }
    }

    /// This norm with graph-mode statistics fixed to those of `x` (`count` values: the whole state), so that
    /// it can then be applied a block of rows at a time. Other norms are returned as they are.
    func fixingStatistics(of x: UnsafePointer<Float>, count: Int) -> Norm {
        guard case .graphLayer(let weight, let bias, nil) = self else { return self }
        let (mean, deviation) = Normalization.globalMoments(x, count: count)
        return .graphLayer(weight: weight, bias: bias, statistics: GraphStatistics(mean: mean, deviation: deviation))
    }

    /// Normalises on the calling thread only (inside a parallel region). A graph-mode norm must have its
    /// statistics fixed first (`fixingStatistics`).
    func applySerial(_ x: UnsafeMutablePointer<Float>, rows: Int, channels: Int, relu: Bool = false) {
        apply(x, rows: rows, channels: channels, relu: relu, serial: true)
    }

    private func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, channels: Int, relu: Bool, serial: Bool) {
        switch self {
        case .layer(let weight, let bias):
            withOptionalPointer(weight) { w in
                withOptionalPointer(bias) { b in
                    if serial {
                        Normalization.layerNormSerial(x, rows: rows, channels: channels, weight: w, bias: b, relu: relu)
                    } else {
                        Normalization.layerNorm(x, rows: rows, channels: channels, weight: w, bias: b, relu: relu)
                    }
                }
            }
        case .batch(let scale, let shift):
            scale.withUnsafeBufferPointer { s in
                shift.withUnsafeBufferPointer { h in
                    if serial {
                        Normalization.affineSerial(x, rows: rows, channels: channels, scale: s.baseAddress!, shift: h.baseAddress!, relu: relu)
                    } else {
                        Normalization.affine(x, rows: rows, channels: channels, scale: s.baseAddress!, shift: h.baseAddress!, relu: relu)
                    }
                }
            }
        case .graphLayer(let weight, let bias, let fixed):
            precondition(fixed != nil || !serial, "graph-mode statistics must be fixed before a row-blocked norm")
            let statistics = fixed ?? fixingStatistics(of: x, count: rows * channels).graphStatistics!
            withOptionalPointer(weight) { w in
                withOptionalPointer(bias) { b in
                    if serial {
                        Normalization.graphLayerNormSerial(x, rows: rows, channels: channels, mean: statistics.mean,
                                                           deviation: statistics.deviation, weight: w, bias: b, relu: relu)
                    } else {
                        Normalization.graphLayerNorm(x, rows: rows, channels: channels, mean: statistics.mean,
                                                     deviation: statistics.deviation, weight: w, bias: b, relu: relu)
                    }
                }
            }
        case .none:
            if relu {
                if serial {
                    for i in 0..<rows * channels { x[i] = max(x[i], 0) }
                } else {
                    Normalization.relu(x, count: rows * channels)
                }
            }
        }
    }
}

extension Norm {
    fileprivate var graphStatistics: GraphStatistics? {
        if case .graphLayer(_, _, let statistics) = self { return statistics }
        return nil
    }
}

/// Calls `body` with a pointer to `array`'s elements, or nil.
func withOptionalPointer<R>(_ array: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}
