/// The inner loop of the cache-blocked aggregations: one destination row's run of edges (those whose
/// source lies in the current source range) added into its output row, held in registers across the run.
///
/// For every channel c: `target[c] = ((target[c] + w_0·x_0[c]) + w_1·x_1[c]) + …` over the run's edges in
/// CSR order, where `x_k` is the source row of the k-th edge (at `columnOffset` within rows of `rowStride`
/// values, float32 or a 16-bit `StateElement` widened as it is read) and `w_k` its weight (1 without
/// weights, and then no multiplication). These are the additions, in the order, of adding one edge at a
/// time into memory, so the results are the same bits; only the loads and stores of the target between
/// edges are gone.
///
/// Memory: reads each edge's source index and `channels` floats of its source row; target read and written once.
enum RunAccumulation {
    /// Adds row edges from `first` on, up to `end` or the first edge whose source is not below `limit`
    /// (rows are sorted by source, so these are the row's edges in the current range), and returns where
    /// the run stopped: the first edge of the row's next range.
    ///
    /// Finding the run's end is part of its first walk, so a row costs one unpredictable loop exit, not one
    /// for a search and one more per chunk of channels: the first chunk is as wide as the row allows (64,
    /// 32 or 8 channels, held in one vector value that the compiler splits into registers), and the rest of
    /// the row's channels follow over the run found.
    ///
    /// - `skipping`: a source id whose edges are left out (a row's own self loops), or -1.
    /// - `weights`: the weight of edge e is `weights[e · weightStride]`.
    /// - `channels`: a multiple of `RowVectors.width`.
    @inline(__always)
    static func add<E: StateElement>(_ x: UnsafePointer<E>, rowStride: Int, columnOffset: Int, channels: Int,
                    sources: UnsafePointer<UInt32>, from first: Int, end: Int, below limit: UInt32, skipping: Int,
                    weights: UnsafePointer<Float>?, weightStride: Int, into target: UnsafeMutablePointer<Float>) -> Int {
        let base = x + columnOffset
        @inline(__always)
        func walk<Chunk: ChannelChunk>(_: Chunk.Type, channel c: Int, to end: Int, below limit: UInt32) -> Int {
            // The first walk asks for the rows of the edges ahead (all of their `channels`); the others find
            // them in cache.
            sum(Chunk.self, base + c, rowStride: rowStride, sources: sources, from: first, end: end, below: limit,
                skipping: skipping, weights: weights, weightStride: weightStride,
                prefetchBytes: c == 0 ? channels * MemoryLayout<E>.stride : 0, into: target + c)
        }
        let runEnd: Int
        var c: Int
        if channels >= 64 {
            runEnd = walk(Chunk64.self, channel: 0, to: end, below: limit)
            c = 64
        } else if channels >= 32 {
            runEnd = walk(Chunk32.self, channel: 0, to: end, below: limit)
            c = 32
        } else {
            runEnd = walk(RowVectors.Vector.self, channel: 0, to: end, below: limit)
            c = RowVectors.width
        }
        guard runEnd > first else { return runEnd }
        while c + 64 <= channels {
            _ = walk(Chunk64.self, channel: c, to: runEnd, below: .max)
            c += 64
        }
        while c + 32 <= channels {
            _ = walk(Chunk32.self, channel: c, to: runEnd, below: .max)
            c += 32
        }
        while c < channels {
            _ = walk(RowVectors.Vector.self, channel: c, to: runEnd, below: .max)
            c += RowVectors.width
        }
        return runEnd
    }

    /// `add` for the `Chunk.width` channels at `target`; returns the edge it stopped at.
    @inline(__always)
    private static func sum<Chunk: ChannelChunk, E: StateElement>(_: Chunk.Type, _ x: UnsafePointer<E>, rowStride: Int,
                                                 sources: UnsafePointer<UInt32>, from first: Int, end: Int,
                                                 below limit: UInt32, skipping: Int, weights: UnsafePointer<Float>?,
                                                 weightStride: Int, prefetchBytes: Int, into target: UnsafeMutablePointer<Float>) -> Int {
        var sum = Chunk.load(target)
        var e = first
        while e < end {
            let u = sources[e]
            if u >= limit { break }
            if prefetchBytes > 0, e + CSRGraph.gatherPrefetchDistance < end {
                let ahead = sources[e + CSRGraph.gatherPrefetchDistance]
                if ahead < limit { CacheLines.prefetch(x + Int(ahead) * rowStride, count: prefetchBytes) }
            }
            if Int(u) != skipping {
                let row = Chunk.load(x + Int(u) * rowStride)
                sum = weights.map { sum + row * $0[e * weightStride] } ?? sum + row
            }
            e += 1
        }
        sum.store(to: target)
        return e
    }
}

/// A run of channels summed as one value: eight-wide vectors (the only SIMD width besides 4 and 16 whose
/// standard-library arithmetic compiles to vector instructions; SIMD32/SIMD64 run lane by lane), and pairs
/// of smaller chunks, which the compiler keeps in as many registers as they need.
protocol ChannelChunk {
    /// Channels in the chunk.
    static var width: Int { get }
    /// All channels 0.
    static var zero: Self { get }
    /// The chunk's channels of a row stored as float32 or a 16-bit `StateElement`, as float32.
    static func load<E: StateElement>(_ row: UnsafePointer<E>) -> Self
    func store(to row: UnsafeMutablePointer<Float>)
    static func + (lhs: Self, rhs: Self) -> Self
    static func * (lhs: Self, rhs: Float) -> Self
}

extension SIMD8: ChannelChunk where Scalar == Float {
    static var width: Int { 8 }

    @inline(__always)
    static func load<E: StateElement>(_ row: UnsafePointer<E>) -> Self { E.widen8(row) }

    @inline(__always)
    func store(to row: UnsafeMutablePointer<Float>) { RowVectors.store(self, row, 0) }
}

/// Two chunks side by side: `low` holds the first `Half.width` channels.
struct ChunkPair<Half: ChannelChunk>: ChannelChunk {
    var low: Half
    var high: Half

    static var width: Int { 2 * Half.width }

    static var zero: Self { Self(low: .zero, high: .zero) }

    @inline(__always)
    static func load<E: StateElement>(_ row: UnsafePointer<E>) -> Self { Self(low: .load(row), high: .load(row + Half.width)) }

    @inline(__always)
    func store(to row: UnsafeMutablePointer<Float>) {
        low.store(to: row)
        high.store(to: row + Half.width)
    }

    @inline(__always)
    static func + (lhs: Self, rhs: Self) -> Self { Self(low: lhs.low + rhs.low, high: lhs.high + rhs.high) }

    @inline(__always)
    static func * (lhs: Self, rhs: Float) -> Self { Self(low: lhs.low * rhs, high: lhs.high * rhs) }
}

/// 16, 32 and 64 channels.
typealias Chunk16 = ChunkPair<RowVectors.Vector>
typealias Chunk32 = ChunkPair<Chunk16>
typealias Chunk64 = ChunkPair<Chunk32>
