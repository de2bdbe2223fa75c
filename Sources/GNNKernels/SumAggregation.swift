/// Sparse-dense products over CSR rows: weighted sums and means of neighbour rows.
public enum SumAggregation {
    /// `out[v] = Σ_{e ∈ row v} w_e · x[src_e] + s_v · x[v]` for every node v.
    ///
    /// - `edgeWeights`: per-edge weights w_e (nil: all 1).
    /// - `skipSelfLoops`: ignore edges whose source is v (GCN replaces them by its own loop term).
    /// - `selfWeights`: per-node weight s_v of an added self loop (nil: none).
    /// - `mean`: divide by the number of summed edges (0 for an empty row), as PyG's mean aggregation.
    /// - `completed`: called once for each fixed block of rows (`KernelThreads.forEachBlock`'s) as soon as
    ///   those rows of `out` are final, on the thread that finished them, while they are still in cache:
    ///   a layer consumes the aggregate there (e.g. multiplies it by a weight) instead of in another pass.
    ///
    /// Memory: reads x rows at random by source (M·C floats), writes out once (N·C). Each row is summed
    /// in CSR order by one thread, so results do not depend on the thread count.
    public static func run(_ graph: CSRGraph, x: UnsafePointer<Float>, channels: Int,
                           edgeWeights: UnsafePointer<Float>? = nil, selfWeights: UnsafePointer<Float>? = nil,
                           skipSelfLoops: Bool = false, mean: Bool = false, into out: UnsafeMutablePointer<Float>,
                           completed: ((Range<Int>) -> Void)? = nil) {
        run(graph, x: .f32(x), channels: channels, edgeWeights: edgeWeights, selfWeights: selfWeights,
            skipSelfLoops: skipSelfLoops, mean: mean, into: out, completed: completed)
    }

    /// `run` gathering rows stored in any `StoredRows` format (widened as read, summed in float32).
    public static func run(_ graph: CSRGraph, x: StoredRows, channels: Int,
                           edgeWeights: UnsafePointer<Float>? = nil, selfWeights: UnsafePointer<Float>? = nil,
                           skipSelfLoops: Bool = false, mean: Bool = false, into out: UnsafeMutablePointer<Float>,
                           completed: ((Range<Int>) -> Void)? = nil) {
        run(graph, x: x, channels: channels, edgeWeights: edgeWeights, selfWeights: selfWeights, skipSelfLoops: skipSelfLoops,
            mean: mean, into: out, segmentBytes: segmentBytes(x, channels: channels), completed: completed)
    }

    /// `run` without an N × C output, for memory-tight callers: each block of rows (`KernelThreads.forEachBlock`'s)
    /// is summed into a tile of its own, handed to `consume(rows, tile)` on the thread that summed it, and
    /// freed. Possible where `run` takes its cache-blocked path in a single source range (a sparse graph much
    /// larger than the cache, e.g. products-shaped with 16-bit rows), where every row is final after one
    /// visit; elsewhere it does nothing and returns false. The sums are `run`'s to the bit.
    ///
    /// Memory: one block of rows (`blockRows` × `channels` floats) per thread at a time.
    public static func runInBlocks(_ graph: CSRGraph, x: StoredRows, channels: Int, mean: Bool,
                                   consume: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) -> Bool {
        runInBlocks(graph, x: x, channels: channels, mean: mean, segmentBytes: segmentBytes(x, channels: channels), consume: consume)
    }

    /// The measured range size for rows like `x` (16-bit rows take theirs from it in `rangeBytes`).
    private static func segmentBytes(_ x: StoredRows, channels: Int) -> Int {
        x.float32 != nil ? SourceBlocking.segmentBytes(rowBytes: channels * 4) : SourceBlocking.segmentBytes
    }

    /// `runInBlocks` with ranges of `segmentBytes` (tests).
    static func runInBlocks(_ graph: CSRGraph, x: StoredRows, channels: Int, mean: Bool, segmentBytes: Int,
                            consume: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) -> Bool {
        switch x {
        case .f32(let rows): sumInBlocks(graph, x: rows, channels: channels, mean: mean, segmentBytes: segmentBytes, consume: consume)
        case .bf16(let rows): sumInBlocks(graph, x: rows, channels: channels, mean: mean, segmentBytes: segmentBytes, consume: consume)
        case .f16(let rows): sumInBlocks(graph, x: rows, channels: channels, mean: mean, segmentBytes: segmentBytes, consume: consume)
        }
    }

    private static func sumInBlocks<E: StateElement>(_ graph: CSRGraph, x: UnsafePointer<E>, channels: Int, mean: Bool,
                                                     segmentBytes: Int,
                                                     consume: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) -> Bool {
        let segmentBytes = rangeBytes(segmentBytes, of: E.self), rowBytes = channels * MemoryLayout<E>.stride
        guard channels % RowVectors.width == 0,
              SourceBlocking.applies(to: graph, rowBytes: rowBytes, segmentBytes: segmentBytes),
              SourceBlocking.rowsPerSegment(graph, rowBytes: rowBytes, segmentBytes: segmentBytes) >= graph.sourceCount
        else { return false }
        withoutActuallyEscaping(consume) { consume in
            segmentedSum(graph, x: x, channels: channels, edgeWeights: nil, selfWeights: nil, skipSelfLoops: false, mean: mean,
                         into: .blockTiles(BlockTiles(rows: graph.nodeCount, channels: channels, consume: consume)),
                         segmentBytes: segmentBytes, completed: nil)
        }
        return true
    }

    /// `run` with cache-blocking ranges of `segmentBytes` (tests reach several ranges with small graphs).
    static func run(_ graph: CSRGraph, x: StoredRows, channels: Int, edgeWeights: UnsafePointer<Float>?,
                    selfWeights: UnsafePointer<Float>?, skipSelfLoops: Bool, mean: Bool, into out: UnsafeMutablePointer<Float>,
                    segmentBytes: Int, completed: ((Range<Int>) -> Void)?) {
        switch x {
        case .f32(let rows):
            sum(graph, x: rows, channels: channels, edgeWeights: edgeWeights, selfWeights: selfWeights,
                skipSelfLoops: skipSelfLoops, mean: mean, into: out, segmentBytes: segmentBytes, completed: completed)
        case .bf16(let rows):
            sum(graph, x: rows, channels: channels, edgeWeights: edgeWeights, selfWeights: selfWeights,
                skipSelfLoops: skipSelfLoops, mean: mean, into: out, segmentBytes: segmentBytes, completed: completed)
        case .f16(let rows):
            sum(graph, x: rows, channels: channels, edgeWeights: edgeWeights, selfWeights: selfWeights,
                skipSelfLoops: skipSelfLoops, mean: mean, into: out, segmentBytes: segmentBytes, completed: completed)
        }
    }

    private static func sum<E: StateElement>(_ graph: CSRGraph, x: UnsafePointer<E>, channels: Int,
                                             edgeWeights: UnsafePointer<Float>?, selfWeights: UnsafePointer<Float>?,
                                             skipSelfLoops: Bool, mean: Bool, into out: UnsafeMutablePointer<Float>,
                                             segmentBytes: Int, completed: ((Range<Int>) -> Void)?) {
        let vectorRows = channels % RowVectors.width == 0
        let segmentBytes = rangeBytes(segmentBytes, of: E.self)
        if vectorRows && SourceBlocking.applies(to: graph, rowBytes: channels * MemoryLayout<E>.stride, segmentBytes: segmentBytes) {
            segmentedSum(graph, x: x, channels: channels, edgeWeights: edgeWeights, selfWeights: selfWeights,
                         skipSelfLoops: skipSelfLoops, mean: mean, into: .whole(out), segmentBytes: segmentBytes, completed: completed)
            return
        }
        let plain = edgeWeights == nil && selfWeights == nil && !skipSelfLoops && vectorRows
        KernelThreads.forEachBlock(rows: graph.nodeCount) { rows in
            defer { completed?(rows) }
            let x = x
            for v in rows {
                let target = out + v * channels
                if plain {
                    let row = graph.row(v)
                    sumRows(x, graph.sources, row, channels: channels, scale: mean && !row.isEmpty ? 1 / Float(row.count) : 1, into: target)
                    continue
                }
                target.initialize(repeating: 0, count: channels)
                var count = 0
                for e in graph.row(v) {
                    let s = Int(graph.sources[e])
                    if skipSelfLoops && s == v { continue }
                    let source = x + s * channels
                    if let weights = edgeWeights {
                        let w = weights[e]
                        for c in 0..<channels { target[c] += w * E.widen(source[c]) }
                    } else {
                        for c in 0..<channels { target[c] += E.widen(source[c]) }
                    }
                    count += 1
                }
                if let selfWeights = selfWeights {
                    let w = selfWeights[v], own = x + v * channels
                    for c in 0..<channels { target[c] += w * E.widen(own[c]) }
                }
                if mean && count > 0 {
                    let scale = 1 / Float(count)
                    for c in 0..<channels { target[c] *= scale }
                }
            }
        }
    }

    /// Bytes of source rows a range covers for rows stored as `E`: 16-bit rows get ranges of half as many
    /// rows as float32's, a quarter of the bytes. RevSAGE-28 on the 2.33M-edge arxiv-shaped graph, 4 rounds
    /// on a quiet machine (same output bytes either way): bf16 with 8 MiB ranges 7.00 / 7.25 / 7.31 / 7.42 s,
    /// with 4 MiB 6.41 / 6.42 / 6.46 / 7.46 s; f16 6.82 / 7.28 / 7.90 / 8.37 s and 6.42 / 6.46 / 6.93 / 7.51 s;
    /// float32 (16 MiB) 7.86 / 7.99 / 8.80 / 8.84 s.
    private static func rangeBytes<E: StateElement>(_ segmentBytes: Int, of _: E.Type) -> Int {
        E.self == Float.self ? segmentBytes : segmentBytes / 4
    }

    /// Where `segmentedSum` accumulates rows: the N × C output, or, with one source range only, a tile per
    /// block of rows.
    private enum RowsOut {
        case whole(UnsafeMutablePointer<Float>)
        case blockTiles(BlockTiles)
    }

    /// `run` for an x larger than the cache, with `SourceBlocking` (same addition order as one pass). Each
    /// block's rows are zeroed in the first range and get their self loops and mean scale in the last.
    private static func segmentedSum<E: StateElement>(_ graph: CSRGraph, x: UnsafePointer<E>, channels: Int,
                                     edgeWeights: UnsafePointer<Float>?, selfWeights: UnsafePointer<Float>?,
                                     skipSelfLoops: Bool, mean: Bool, into destination: RowsOut,
                                     segmentBytes: Int, completed: ((Range<Int>) -> Void)?) {
        let out: UnsafeMutablePointer<Float>?, tiles: BlockTiles?
        switch destination {
        case .whole(let rows): (out, tiles) = (rows, nil)
        case .blockTiles(let blockTiles): (out, tiles) = (nil, blockTiles)
        }
        @inline(__always) func row(_ v: Int) -> UnsafeMutablePointer<Float> { out.map { $0 + v * channels } ?? tiles!.row(v) }
        SourceBlocking.forEachRun(graph, gathering: x, rowBytes: channels * MemoryLayout<E>.stride, output: out, outputRowBytes: channels * 4,
                                  segmentBytes: segmentBytes, startingBlock: { rows in
            (out.map { $0 + rows.lowerBound * channels } ?? tiles!.open(rows)).initialize(repeating: 0, count: rows.count * channels)
        }, finishingBlock: { rows in
            defer { if let tiles { tiles.close(rows) } else { completed?(rows) } }
            for v in rows where mean || selfWeights != nil {
                let target = row(v)
                if let selfWeights = selfWeights {
                    let w = selfWeights[v], own = x + v * channels
                    for c in 0..<channels { target[c] += w * E.widen(own[c]) }
                }
                guard mean else { continue }
                var count = graph.row(v).count
                if skipSelfLoops { count -= graph.row(v).lazy.filter { Int(graph.sources[$0]) == v }.count }
                guard count > 0 else { continue }
                let scale = 1 / Float(count)
                for c in 0..<channels { target[c] *= scale }
            }
        }) { v, first, end, limit in
            RunAccumulation.add(x, rowStride: channels, columnOffset: 0, channels: channels,
                                sources: graph.sources, from: first, end: end, below: limit, skipping: skipSelfLoops ? v : -1,
                                weights: edgeWeights, weightStride: 1, into: row(v))
        }
    }

    /// target = scale · Σ_{e ∈ row} x[src_e], eight channels at a time, four edges at a time so that four
    /// independent row reads are in flight (the gathers, not the adds, bound this loop).
    @inline(__always)
    private static func sumRows<E: StateElement>(_ x: UnsafePointer<E>, _ sources: UnsafePointer<UInt32>, _ row: Range<Int>,
                                channels: Int, scale: Float, into target: UnsafeMutablePointer<Float>) {
        var c = 0
        while c < channels {
            var sum = RowVectors.Vector.zero
            var e = row.lowerBound
            while e + 4 <= row.upperBound {
                let a = E.widen8(x + Int(sources[e]) * channels + c)
                let b = E.widen8(x + Int(sources[e + 1]) * channels + c)
                let d = E.widen8(x + Int(sources[e + 2]) * channels + c)
                let f = E.widen8(x + Int(sources[e + 3]) * channels + c)
                sum += (a + b) + (d + f)
                e += 4
            }
            while e < row.upperBound {
                sum += E.widen8(x + Int(sources[e]) * channels + c)
                e += 1
            }
            RowVectors.store(sum * scale, target, c)
            c += RowVectors.width
        }
    }
}
