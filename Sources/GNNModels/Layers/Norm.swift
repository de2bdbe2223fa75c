import GNNFormats
import GNNKernels

/// A normalisation layer: `torch.nn.LayerNorm` per node, `torch.nn.BatchNorm1d` in eval mode (folded into a
/// per-channel scale and shift), PyG's `LayerNorm` in graph mode (statistics over all nodes and channels),
/// or nothing.
enum Norm: Sendable {
    case layer(weight: [Float]?, bias: [Float]?, eps: Float)
    /// ε is folded into `scale` when the layer is read.
    case batch(scale: [Float], shift: [Float])
    /// `statistics` nil: taken from the values being normalised, which must then be the whole matrix.
    case graphLayer(weight: [Float]?, bias: [Float]?, eps: Float, statistics: GraphStatistics?)
    case none

    /// Mean and standard deviation over every node and channel.
    struct GraphStatistics: Sendable {
        let mean: Float
        let deviation: Float
    }

    /// Reads the norm at `prefix` (`.weight` and `.bias` unless `spec.affine` is false, and for batch norm
    /// `.running_mean`, `.running_var`).
    init(_ spec: NormSpec, _ weights: WeightReader, _ prefix: String, channels: Int) throws {
        func affine(_ name: String) throws -> [Float]? {
            spec.affine ? try weights.optional("\(prefix).\(name)", shape: [channels]) : nil
        }
        switch spec.kind {
        case .layer:
            self = .layer(weight: try affine("weight"), bias: try affine("bias"), eps: spec.eps)
        case .batch:
            let mean = try weights.tensor("\(prefix).running_mean", shape: [channels])
            let variance = try weights.tensor("\(prefix).running_var", shape: [channels])
            let weight = try affine("weight") ?? [Float](repeating: 1, count: channels)
            let bias = try affine("bias") ?? [Float](repeating: 0, count: channels)
            // (x − μ) / sqrt(σ² + ε) · γ + β  =  x · s + (β − μ · s)  with s = γ / sqrt(σ² + ε).
            let scale = (0..<channels).map { weight[$0] / (variance[$0] + spec.eps).squareRoot() }
            self = .batch(scale: scale, shift: (0..<channels).map { bias[$0] - mean[$0] * scale[$0] })
        case .graphLayer:
            self = .graphLayer(weight: try affine("weight"), bias: try affine("bias"), eps: spec.eps, statistics: nil)
        case .none:
            self = .none
        }
    }

    /// Normalises `rows` × `channels` values in place, on all worker threads, then applies `activation`.
    /// A graph-mode norm takes its statistics over all nodes with `sums` (required for it; its rows are
    /// the graph's node rows).
    func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, channels: Int, activation: Activation = .identity,
               sums: NodeSums? = nil) {
        apply(x, rows: rows, channels: channels, activation: activation, serial: false, sums: sums)
    }

    /// x = activation(norm(source)): for layer norms in one pass over the rows, otherwise a copy
    /// and the norm in place. `source` may be `x`. `sums` as in `apply(_:rows:channels:activation:sums:)`.
    func apply(_ x: UnsafeMutablePointer<Float>, from source: UnsafePointer<Float>, rows: Int, channels: Int, activation: Activation,
               sums: NodeSums? = nil) {
        apply(x, from: source, rows: rows, channels: channels, activation: activation, serial: false, sums: sums)
    }

    /// `apply(_:from:rows:channels:activation:)` on the calling thread only (inside a parallel region), for norms
    /// that are `rowWise`.
    func applySerial(_ x: UnsafeMutablePointer<Float>, from source: UnsafePointer<Float>, rows: Int, channels: Int, activation: Activation) {
        apply(x, from: source, rows: rows, channels: channels, activation: activation, serial: true)
    }

    /// Whether a block of rows can be normalised on its own: false only for a graph-mode norm whose
    /// statistics are not fixed yet (they need every row first).
    var rowWise: Bool {
        if case .graphLayer(_, _, _, nil) = self { return false }
        return true
    }

    private func apply(_ x: UnsafeMutablePointer<Float>, from source: UnsafePointer<Float>, rows: Int, channels: Int,
                       activation: Activation, serial: Bool, sums: NodeSums? = nil) {
        guard case .layer(let weight, let bias, let eps) = self, source != UnsafePointer(x) else {
            if source != UnsafePointer(x) { x.update(from: source, count: rows * channels) }
            return apply(x, rows: rows, channels: channels, activation: activation, serial: serial, sums: sums)
        }
        withOptionalPointer(weight) { w in
            withOptionalPointer(bias) { b in
                if serial {
                    Normalization.layerNormSerial(x, rows: rows, channels: channels, weight: w, bias: b, eps: eps,
                                                  activation: activation, source: source)
                } else {
                    Normalization.layerNorm(x, rows: rows, channels: channels, weight: w, bias: b, eps: eps,
                                            activation: activation, source: source)
                }
            }
        }
    }

    /// This norm with graph-mode statistics fixed to those of `x` (the whole state: `groups` blocks of node
    /// rows × `channels`, `NodeSums.moments`), so that it can then be applied a block of rows at a time.
    /// Other norms are returned as they are.
    func fixingStatistics(of x: UnsafePointer<Float>, channels: Int, groups: Int = 1, sums: NodeSums) -> Norm {
        guard case .graphLayer(let weight, let bias, let eps, nil) = self else { return self }
        let (mean, deviation) = sums.moments(of: x, channels: channels, groups: groups)
        return .graphLayer(weight: weight, bias: bias, eps: eps, statistics: GraphStatistics(mean: mean, deviation: deviation))
    }

    /// Normalises on the calling thread only (inside a parallel region). A graph-mode norm must have its
    /// statistics fixed first (`fixingStatistics`).
    func applySerial(_ x: UnsafeMutablePointer<Float>, rows: Int, channels: Int, activation: Activation = .identity) {
        apply(x, rows: rows, channels: channels, activation: activation, serial: true)
    }

    private func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, channels: Int, activation: Activation, serial: Bool,
                       sums: NodeSums? = nil) {
        switch self {
        case .layer(let weight, let bias, let eps):
            withOptionalPointer(weight) { w in
                withOptionalPointer(bias) { b in
                    if serial {
                        Normalization.layerNormSerial(x, rows: rows, channels: channels, weight: w, bias: b, eps: eps, activation: activation)
                    } else {
                        Normalization.layerNorm(x, rows: rows, channels: channels, weight: w, bias: b, eps: eps, activation: activation)
                    }
                }
            }
        case .batch(let scale, let shift):
            scale.withUnsafeBufferPointer { s in
                shift.withUnsafeBufferPointer { h in
                    if serial {
                        Normalization.affineSerial(x, rows: rows, channels: channels, scale: s.baseAddress!, shift: h.baseAddress!, activation: activation)
                    } else {
                        Normalization.affine(x, rows: rows, channels: channels, scale: s.baseAddress!, shift: h.baseAddress!, activation: activation)
                    }
                }
            }
        case .graphLayer(let weight, let bias, let eps, let fixed):
            precondition(fixed != nil || (!serial && sums != nil), "graph-mode statistics must be fixed before a row-blocked norm, or taken with the graph's sums")
            let statistics = fixed ?? fixingStatistics(of: x, channels: channels, sums: sums!).graphStatistics!
            withOptionalPointer(weight) { w in
                withOptionalPointer(bias) { b in
                    if serial {
                        Normalization.graphLayerNormSerial(x, rows: rows, channels: channels, mean: statistics.mean,
                                                           deviation: statistics.deviation, weight: w, bias: b, eps: eps,
                                                           activation: activation)
                    } else {
                        Normalization.graphLayerNorm(x, rows: rows, channels: channels, mean: statistics.mean,
                                                     deviation: statistics.deviation, weight: w, bias: b, eps: eps,
                                                     activation: activation)
                    }
                }
            }
        case .none:
            if serial {
                for i in 0..<rows * channels { x[i] = activation(x[i]) }
            } else {
                activation.apply(x, count: rows * channels)
            }
        }
    }
}

extension Norm {
    fileprivate var graphStatistics: GraphStatistics? {
        if case .graphLayer(_, _, _, let statistics) = self { return statistics }
        return nil
    }
}

/// Calls `body` with a pointer to `array`'s elements, or nil.
func withOptionalPointer<R>(_ array: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}
