import Foundation

/// GENConv's neighbourhood aggregation (DeeperGCN), fused with its message function; without that function
/// (`rectified` false), the plain reductions of neighbour rows that SAGEConv's `max` uses.
///
/// For destination v and channel c, each incoming edge e = (u → v) gives the message
/// `m_e = relu(x[u] + emb_e) + eps`, where `emb_e` is the edge's features (through the conv's edge encoder
/// when it has one), or 0 without edge features; with `rectified` false, `m_e = x[u]`. The messages are
/// reduced per channel:
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
        /// The map packed by `pack`: E × paddedChannels, or nil when the features already have `channels` columns.
        public let weight: UnsafePointer<Float>?
        /// paddedChannels values (packed by `pack`), or nil.
        public let bias: UnsafePointer<Float>?

        public init(features: EdgeFeatureRows, weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?) {
            self.features = features
            self.weight = weight
            self.bias = bias
        }

        /// torch's `Linear` weight (channels × columns) transposed to columns × paddedChannels, and its bias
        /// padded, with zeros in the padding: the layout `embed` reads a vector of channels at a time from.
        public static func pack(weight: [Float], bias: [Float]?, channels: Int, columns: Int) -> (weight: [Float], bias: [Float]?) {
            let padded = paddedWidth(channels)
            var packed = [Float](repeating: 0, count: columns * padded)
            for c in 0..<channels {
                for k in 0..<columns { packed[k * padded + c] = weight[c * columns + k] }
            }
            return (packed, bias.map { $0 + [Float](repeating: 0, count: padded - channels) })
        }

        /// Writes the embedding of one edge's `features` (E floats) into `out` (paddedChannels floats):
        /// each channel is bias + Σ_k w[c, k] · features[k] summed in k order, as torch's scalar loop would,
        /// with `weight` and `bias` packed by `pack`.
        ///
        /// Up to 64 channels are held in registers while the features are walked once, so that each feature
        /// is broadcast once and the channels' additions form independent chains; the per-channel order of
        /// additions is the same whatever the chunking. (Measured: bench/edge-encoder/run.sh.)
        @inline(__always)
        static func embed(_ features: UnsafePointer<Float>, columns: Int, weight: UnsafePointer<Float>,
                          bias: UnsafePointer<Float>?, padded: Int, into out: UnsafeMutablePointer<Float>) {
            var c = 0
            while c + Chunk64.width <= padded {
                embedChunk(Chunk64.self, features, columns: columns, weight: weight + c, stride: padded, bias: bias.map { $0 + c }, into: out + c)
                c += Chunk64.width
            }
            while c + Chunk16.width <= padded {
                embedChunk(Chunk16.self, features, columns: columns, weight: weight + c, stride: padded, bias: bias.map { $0 + c }, into: out + c)
                c += Chunk16.width
            }
            while c < padded {
                embedChunk(RowVectors.Vector.self, features, columns: columns, weight: weight + c, stride: padded,
                           bias: bias.map { $0 + c }, into: out + c)
                c += RowVectors.width
            }
        }

        /// `embed` for the `Chunk.width` channels at `out` (weight rows `stride` floats apart).
        @inline(__always)
        private static func embedChunk<Chunk: ChannelChunk>(_: Chunk.Type, _ features: UnsafePointer<Float>, columns: Int,
                                                            weight: UnsafePointer<Float>, stride: Int,
                                                            bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>) {
            var value = bias.map { Chunk.load($0) } ?? .zero
            for k in 0..<columns { value = value + Chunk.load(weight + k * stride) * features[k] }
            value.store(to: out)
        }
    }

    /// `channels` rounded up to whole vectors.
    @inline(__always)
    static func paddedWidth(_ channels: Int) -> Int {
        (channels + RowVectors.width - 1) / RowVectors.width * RowVectors.width
    }

    /// `completed` is called once for each fixed block of rows as soon as those rows of `out` are final, as
    /// `SumAggregation.run`'s. Results do not depend on the thread count: each row is reduced by one thread
    /// in CSR order.
    public static func run(_ graph: CSRGraph, x: UnsafePointer<Float>, channels: Int, edges: EdgeEncoder?,
                           eps: Float = 1e-7, rectified: Bool = true, reduce: Reduce, into out: UnsafeMutablePointer<Float>,
                           completed: ((Range<Int>) -> Void)? = nil) {
        run(graph, x: .f32(x), channels: channels, edges: edges, eps: eps, rectified: rectified, reduce: reduce,
            into: out, completed: completed)
    }

    /// `run` gathering rows stored in any `StoredRows` format (widened as read; messages and reductions in
    /// float32).
    public static func run(_ graph: CSRGraph, x: StoredRows, channels: Int, edges: EdgeEncoder?,
                           eps: Float = 1e-7, rectified: Bool = true, reduce: Reduce, into out: UnsafeMutablePointer<Float>,
                           completed: ((Range<Int>) -> Void)? = nil) {
        switch x {
        case .f32(let rows):
            aggregate(graph, x: rows, channels: channels, edges: edges, eps: eps, rectified: rectified, reduce: reduce,
                      into: out, completed: completed)
        case .bf16(let rows):
            aggregate(graph, x: rows, channels: channels, edges: edges, eps: eps, rectified: rectified, reduce: reduce,
                      into: out, completed: completed)
        case .f16(let rows):
            aggregate(graph, x: rows, channels: channels, edges: edges, eps: eps, rectified: rectified, reduce: reduce,
                      into: out, completed: completed)
        }
    }

    private static func aggregate<E: StateElement>(_ graph: CSRGraph, x: UnsafePointer<E>, channels: Int, edges: EdgeEncoder?,
                                                   eps: Float, rectified: Bool, reduce: Reduce, into out: UnsafeMutablePointer<Float>,
                                                   completed: ((Range<Int>) -> Void)?) {
        precondition(rectified || edges == nil, "edge features enter only GENConv's rectified messages")
        let paddedChannels = paddedWidth(channels)
        let rowBytes = channels * MemoryLayout<E>.stride
        // Plain values out of `edges` before the loops (no reference counting per edge).
        let columns = edges?.features.columns ?? 0
        let featureValues = edges?.features.values
        let encoderWeight = edges?.weight, encoderBias = edges?.bias
        KernelThreads.forEachBlock(rows: graph.nodeCount) { rows in
            defer { completed?(rows) }
            var longest = 0
            for v in rows { longest = max(longest, graph.row(v).count) }
            // Per-thread scratch: one message row per edge of the longest row (softmax reads a row's messages
            // twice), one embedding row (both padded to whole vectors, padding 0), raw edge features.
            let cached = longest * paddedChannels
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: cached + paddedChannels + columns)
            defer { scratch.deallocate() }
            let messages = scratch, embedding = scratch + cached, raw = embedding + paddedChannels
            scratch.initialize(repeating: 0, count: cached + paddedChannels)
            let message = messages

            /// Fills `message` with edge e's message (padding lanes are never written, and never stored).
            @inline(__always)
            func makeMessage(_ e: Int, into message: UnsafeMutablePointer<Float>) {
                graph.prefetchSourceRow(ofEdge: e + CSRGraph.gatherPrefetchDistance, in: x, rowBytes: rowBytes)
                let source = x + Int(graph.sources[e]) * channels
                if columns > 0 {
                    let features = featureValues.map { $0 + e * columns } ?? edges!.features.read(e, scratch: raw)
                    var edgeTerm = features
                    if let weight = encoderWeight {
                        EdgeEncoder.embed(features, columns: columns, weight: weight, bias: encoderBias,
                                          padded: paddedChannels, into: embedding)
                        edgeTerm = UnsafePointer(embedding)
                    }
                    for c in 0..<channels { message[c] = max(E.widen(source[c]) + edgeTerm[c], 0) + eps }
                } else if rectified {
                    for c in 0..<channels { message[c] = max(E.widen(source[c]), 0) + eps }
                } else {
                    for c in 0..<channels { message[c] = E.widen(source[c]) }
                }
            }

            for v in rows {
                let target = out + v * channels
                let row = graph.row(v)
                guard !row.isEmpty else {
                    var empty: Float = 0
                    if case .powerMean(let p, true) = reduce { empty = pow(Float(1e-4), 1 / p) }
                    target.initialize(repeating: empty, count: channels)
                    continue
                }
                switch reduce {
                case .softmax(let t):
                    for (i, e) in row.enumerated() { makeMessage(e, into: messages + i * paddedChannels) }
                    softmaxRow(count: row.count, channels: paddedChannels, t: t, messages: messages,
                               into: target, stored: channels)
                case .powerMean(let p, let applyPower):
                    target.initialize(repeating: 0, count: channels)
                    for e in row {
                        makeMessage(e, into: message)
                        for c in 0..<channels { target[c] += applyPower ? pow(min(max(message[c], 1e-4), 100), p) : message[c] }
                    }
                    let count = Float(row.count)
                    for c in 0..<channels {
                        let mean = target[c] / count
                        target[c] = applyPower ? pow(min(max(mean, 1e-4), 100), 1 / p) : mean
                    }
                case .max:
                    target.initialize(repeating: -.infinity, count: channels)
                    for e in row {
                        makeMessage(e, into: message)
                        for c in 0..<channels { target[c] = Swift.max(target[c], message[c]) }
                    }
                case .mean, .sum:
                    target.initialize(repeating: 0, count: channels)
                    for e in row {
                        makeMessage(e, into: message)
                        for c in 0..<channels { target[c] += message[c] }
                    }
                    if reduce == .mean {
                        let count = Float(row.count)
                        for c in 0..<channels { target[c] /= count }
                    }
                }
            }
        }
    }

    /// Softmax aggregation of one row's `count` messages (rows of `padded` floats) in two passes: the
    /// per-channel maximum of t·m first, then Σ m·e^{t·m − max} and Σ e^{t·m − max}, eight channels at a
    /// time with a vector exp. No branch depends on the data.
    @inline(__always)
    private static func softmaxRow(count: Int, channels padded: Int, t: Float, messages: UnsafeMutablePointer<Float>,
                                   into target: UnsafeMutablePointer<Float>, stored: Int) {
        let width = RowVectors.width
        let vectors = padded / width
        withUnsafeTemporaryAllocation(of: RowVectors.Vector.self, capacity: 3 * vectors) { state in
            let best = state.baseAddress!, denominator = best + vectors, numerator = best + 2 * vectors
            for k in 0..<vectors {
                best[k] = RowVectors.Vector(repeating: -.infinity)
                denominator[k] = .zero
                numerator[k] = .zero
            }
            for i in 0..<count {
                let message = messages + i * padded
                for k in 0..<vectors { best[k] = VectorMath.maximum(best[k], RowVectors.load(message, k * width) * t) }
            }
            for i in 0..<count {
                let message = messages + i * padded
                for k in 0..<vectors {
                    let m = RowVectors.load(message, k * width)
                    let weight = VectorMath.exp(m * t - best[k])
                    denominator[k] += weight
                    numerator[k] += weight * m
                }
            }
            for k in 0..<vectors {
                let result = numerator[k] / (denominator[k] + 1e-16)
                for lane in 0..<width where k * width + lane < stored { target[k * width + lane] = result[lane] }
            }
        }
    }
}
