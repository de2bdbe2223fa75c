import Foundation

/// GENConv's neighbourhood aggregation (DeeperGCN), fused with its message function.
///
/// For destination v and channel c, each incoming edge e = (u → v) gives the message
/// `m_e = relu(x[u] + emb_e) + eps`, where `emb_e` is the edge's features (through the conv's edge encoder
/// when it has one), or 0 without edge features. The messages are reduced per channel:
/// - `softmax(t)`: Σ_e m_e · exp(t·m_e − max) / (Σ_e exp(t·m_e − max) + 1e-16), computed online (running
///   max, running denominator and running weighted sum), as PyG's `SoftmaxAggregation`;
/// - `powerMean(p)`: (mean_e clamp(m_e, 1e-4, 100)^p) clamped to [1e-4, 100], to the power 1/p (PyG's
///   default clamp bounds);
/// - `max`, `mean`, `sum`.
/// An empty row gives 0, except for a power mean, whose clamp turns the empty mean 0 into 1e-4^(1/p),
/// exactly as PyG computes it.
///
/// Memory: messages and edge embeddings exist one edge at a time (O(channels) per thread); nothing of size
/// M × channels is ever built. Reads x rows by source and each edge's features once.
public enum MessageAggregation {
    public enum Reduce: Sendable, Equatable {
        case softmax(t: Float)
        /// `applyPower` false reproduces PyG's shortcut for a fixed p of 1 (a plain mean, no clamping).
        case powerMean(p: Float, applyPower: Bool)
        case max
        case mean
        case sum
    }

    /// Edge features and the linear map that turns them into channel-sized embeddings.
    public struct EdgeEncoder: @unchecked Sendable {
        public let features: EdgeFeatureRows
        /// channels × E weight, or nil when the features already have `channels` columns.
        public let weight: UnsafePointer<Float>?
        public let bias: UnsafePointer<Float>?

        public init(features: EdgeFeatureRows, weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?) {
            self.features = features
            self.weight = weight
            self.bias = bias
        }

        /// Writes edge e's embedding into `out`, using `raw` (E floats) as scratch.
        @inline(__always)
        func embed(_ e: Int, channels: Int, raw: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>) {
            guard let weight else {
                features.read(e, out)
                return
            }
            let columns = features.columns
            features.read(e, raw)
            for c in 0..<channels {
                let w = weight + c * columns
                var value: Float = bias?[c] ?? 0
                for k in 0..<columns { value += w[k] * raw[k] }
                out[c] = value
            }
        }
    }

    public static func run(_ graph: CSRGraph, x: UnsafePointer<Float>, channels: Int, edges: EdgeEncoder?,
                           eps: Float = 1e-7, reduce: Reduce, into out: UnsafeMutablePointer<Float>) {
        let xs = UnsafeSendableBox(x), os = UnsafeSendableBox(out)
        KernelThreads.forEachBlock(rows: graph.nodeCount) { rows in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 4 * channels + (edges?.features.columns ?? 0))
            defer { scratch.deallocate() }
            let message = scratch, best = scratch + channels, denominator = scratch + 2 * channels
            let raw = scratch + 4 * channels
            let embedding = scratch + 3 * channels
            for v in rows {
                let target = os.value + v * channels
                let row = graph.row(v)
                guard !row.isEmpty else {
                    var empty: Float = 0
                    if case .powerMean(let p, true) = reduce { empty = pow(Float(1e-4), 1 / p) }
                    target.initialize(repeating: empty, count: channels)
                    continue
                }
                target.initialize(repeating: 0, count: channels)
                switch reduce {
                case .softmax: best.initialize(repeating: -.infinity, count: channels)
                case .max: target.initialize(repeating: -.infinity, count: channels)
                default: break
                }
                denominator.initialize(repeating: 0, count: channels)
                for e in row {
                    let source = xs.value + Int(graph.sources[e]) * channels
                    if let edges {
                        edges.embed(e, channels: channels, raw: raw, into: embedding)
                        for c in 0..<channels { message[c] = max(source[c] + embedding[c], 0) + eps }
                    } else {
                        for c in 0..<channels { message[c] = max(source[c], 0) + eps }
                    }
                    switch reduce {
                    case .softmax(let t):
                        for c in 0..<channels {
                            let score = t * message[c]
                            if score > best[c] {
                                let rescale = exp(best[c] - score)
                                denominator[c] = denominator[c] * rescale + 1
                                target[c] = target[c] * rescale + message[c]
                                best[c] = score
                            } else {
                                let weight = exp(score - best[c])
                                denominator[c] += weight
                                target[c] += weight * message[c]
                            }
                        }
                    case .powerMean(let p, let applyPower):
                        for c in 0..<channels {
                            target[c] += applyPower ? pow(min(max(message[c], 1e-4), 100), p) : message[c]
                        }
                    case .max:
                        for c in 0..<channels { target[c] = Swift.max(target[c], message[c]) }
                    case .mean, .sum:
                        for c in 0..<channels { target[c] += message[c] }
                    }
                }
                let count = Float(row.count)
                switch reduce {
                case .softmax:
                    for c in 0..<channels { target[c] /= denominator[c] + 1e-16 }
                case .powerMean(let p, let applyPower):
                    for c in 0..<channels {
                        let mean = target[c] / count
                        target[c] = applyPower ? pow(min(max(mean, 1e-4), 100), 1 / p) : mean
                    }
                case .mean:
                    for c in 0..<channels { target[c] /= count }
                case .max, .sum:
                    break
                }
            }
        }
    }
}
