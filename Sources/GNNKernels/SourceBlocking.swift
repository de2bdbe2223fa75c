/// Cache blocking by source: visits every row's edges one range of source ids at a time, so that the
/// source rows a pass gathers (about `SourceBlocking.segmentBytes` of them) stay in the last-level cache.
///
/// Needs rows sorted by source: each row's edges into one range are then a contiguous run, visited in
/// CSR order, so sums built this way add in the same order as a one-pass loop, whatever the threads.
public enum SourceBlocking {
    /// Bytes of source rows one pass covers. Measured on a 2-core EPYC (1 MiB L2 per core, 32 MiB L3):
    /// RevSAGE-28 forward on the arxiv-sized graph with 4.66M edges, median of 3 alternating runs, with
    /// 4 / 8 / 16 MiB ranges and with one range: input order 5.64 / 4.78 / 5.16 / 8.13 s, METIS order
    /// (`pack --reorder metis`) 4.98 / 4.17 / 4.18 / 6.82 s. GCNII-64 (128-channel rows, 2.33M edges, 2
    /// alternating runs each, with the output rows prefetched): 8 MiB 17.8 / 17.7 s, 16 MiB 17.8 / 17.2 s;
    /// RevSAGE-28 on the 2.33M-edge graph, 3 rounds: 8 MiB 8.23 / 9.85 / 10.55 s, 16 MiB 8.01 / 9.20 / 8.50 s.
    public static let segmentBytes = 16 << 20

    /// Source rows a range holds at least, for float32 rows wider than 64 channels: each range reads and
    /// writes back the output rows it touches, and with 512-byte rows fewer, longer ranges pay. Measured on
    /// the arxiv-shaped graph (2.33M edges), 128 channels, medians: one-layer sums alternated in one process
    /// (9 rounds) 0.255 s with 16 MiB ranges, 0.239 s with 24 MiB, 0.211 s with 32 MiB (65,536 rows; the
    /// fastest single rounds were 0.174 / 0.183 / 0.195 s); `gnn-bench roofline` 78 % of the random-row
    /// gather rate with 16 MiB, 91 % and 109 % (two runs) with 32 MiB; GCNII-64's forward, 8 alternating
    /// pairs, 18.75 s against 17.66 s (same output bytes). At 64 channels (plain sums) 8 and 16 MiB ranges
    /// took 0.121 and 0.126 s, one pass (what 32 MiB ranges come to there) 0.157 s: 65,536 rows there too.
    static let minimumSegmentRows = 1 << 16

    /// `segmentBytes` for float32 rows of `rowBytes` bytes: at least `minimumSegmentRows` rows.
    public static func segmentBytes(rowBytes: Int) -> Int { max(segmentBytes, minimumSegmentRows * rowBytes) }

    /// Whether blocking pays for gathering rows of `rowBytes` bytes on `graph`: judged by the whole graph's
    /// size and order (`CSRGraph.wholeNodeCount`, `wholeRowsSorted`), so that a shard takes the blocked path
    /// exactly when the whole graph does (in one range when its own rows are not sorted). The
    /// blocked and one-pass paths round differently; a shard of 130,000 local rows (METIS, K = 4, the
    /// arxiv-shaped graph, 64-channel rows) judged by its own size took the one-pass path where the whole
    /// graph blocked, and RevSAGE-10's output differed from one process's by up to 9.5e-7.
    /// (`segmentBytes` other than the measured one: tests, which reach several ranges with small graphs.)
    public static func applies(to graph: CSRGraph, rowBytes: Int, segmentBytes: Int = segmentBytes) -> Bool {
        graph.wholeRowsSorted && graph.wholeNodeCount * rowBytes > 2 * segmentBytes
    }

    /// Source rows per range: `segmentBytes` of them, unless a row would have less than one edge per range
    /// on average; then one range of all rows, because every pass visits all N rows. (Measured, RevSAGE
    /// with 2 groups: on the arxiv-shaped graph, 10 ranges and 14 edges a row, 4 MiB ranges take 5.6 s
    /// against 6.0 s for one; on the products-shaped graph, 187 ranges and 50 edges a row, 2 layers take
    /// 21 s in one range, 49 s in 4 MiB ranges, 29 s in 16 MiB ranges.) One range, too, where the rows
    /// are not sorted (a shard's, `CSRGraph.wholeRowsSorted`): a run is then the whole row, and its edges add
    /// in the order a sorted graph's ranges add them.
    static func rowsPerSegment(_ graph: CSRGraph, rowBytes: Int, segmentBytes: Int = segmentBytes) -> Int {
        let sources = graph.sourceCount
        guard graph.rowsSorted else { return sources }
        let byCache = max(1024, segmentBytes / max(rowBytes, 1))
        let ranges = (sources + byCache - 1) / byCache
        return graph.edgeCount >= ranges * graph.nodeCount ? byCache : sources
    }

    /// Calls `body(v, first, end, limit)` for every row v and each range of sources in which v has edges,
    /// in source-range order; within a range, rows run in parallel on fixed blocks. `body` adds the row's
    /// run, the edges from `first` (before `end`, the row's end) whose source is below `limit`, and returns
    /// where it stopped (`RunAccumulation.add` does both). `x` is what `body` gathers (rows of `rowBytes`):
    /// the first source row of the row `prefetchDistance` ahead is prefetched, so that its cache misses
    /// overlap the current row's additions (runs are short: a few edges per row and range).
    ///
    /// `output` (rows of `outputRowBytes`) is where `body` adds: the output row `outputDistance` rows ahead
    /// is prefetched too when it has edges in this range, since each range reads and writes back every
    /// output row it touches, and those reads missed the cache as often as the gathers did (perf annotate,
    /// GCNII-64: 45 % of the aggregation's samples on the output-row loads). nil: `body` adds into block
    /// tiles of its own (`BlockTiles`), which stay in cache.
    ///
    /// `startingBlock(rows)` runs before a block's rows in the first range and `finishingBlock(rows)` after
    /// them in the last, on the same thread: there a block's output rows are in cache, so initialising and
    /// finishing them costs no pass over the whole output (with one range, both run in that one pass).
    ///
    /// Inlined into each kernel so that `body`, called once per row and range, can be inlined too.
    @inline(__always)
    static func forEachRun(_ graph: CSRGraph, gathering x: UnsafeRawPointer, rowBytes: Int,
                           output: UnsafeMutablePointer<Float>?, outputRowBytes: Int, segmentBytes: Int = segmentBytes,
                           startingBlock: (Range<Int>) -> Void, finishingBlock: (Range<Int>) -> Void,
                           _ body: (_ v: Int, _ first: Int, _ end: Int, _ limit: UInt32) -> Int) {
        let n = graph.nodeCount
        let segmentRows = rowsPerSegment(graph, rowBytes: rowBytes, segmentBytes: segmentBytes)
        let cursor = UnsafeMutablePointer<Int>.allocate(capacity: n)
        defer { cursor.deallocate() }
        for v in 0..<n { cursor[v] = Int(graph.offsets[v]) }
        var start = 0
        let sources = graph.sourceCount
        while start < sources {
            let limit = UInt32(min(sources, start + segmentRows))
            let first = start == 0, last = start + segmentRows >= sources
            KernelThreads.forEachBlock(rows: n) { rows in
                if first { startingBlock(rows) }
                defer { if last { finishingBlock(rows) } }
                for v in rows {
                    if v + cursorDistance < rows.upperBound, cursor[v + cursorDistance] < graph.edgeCount {
                        CacheLines.prefetch(graph.sources + cursor[v + cursorDistance])
                    }
                    if v + prefetchDistance < rows.upperBound {
                        graph.prefetchSourceRow(ofEdge: cursor[v + prefetchDistance], in: x, rowBytes: rowBytes, below: limit)
                    }
                    if let output, v + outputDistance < rows.upperBound {
                        let ahead = v + outputDistance
                        if cursor[ahead] < Int(graph.offsets[ahead + 1]) && graph.sources[cursor[ahead]] < limit {
                            CacheLines.prefetchForWriting(UnsafeRawPointer(output) + ahead * outputRowBytes, count: outputRowBytes)
                        }
                    }
                    let first = cursor[v], end = Int(graph.offsets[v + 1])
                    if first < end && graph.sources[first] < limit { cursor[v] = body(v, first, end, limit) }
                }
            }
            start += segmentRows
        }
    }

    /// Rows ahead whose next source id (`sources[cursor]`) is prefetched. Each range revisits every row, and
    /// the first read of a row's position in `sources` missed the cache and stalled the loop on it, since
    /// the prefetches and the branch below need its value (RevSAGE-28-160 on a products-shaped graph at
    /// scale 0.1, bf16, 10 ranges: 29 % of the samples in this loop, 79 % of those on that one load).
    /// 16 rows ahead: bf16 forwards of 17.4–19.8 s against 27.2–27.8 s without (3 alternating rounds); 32
    /// rows ran at 19.3–23.6 s, 8 at 20.0–21.7 s.
    static let cursorDistance = 16

    /// Rows ahead whose first source row is prefetched.
    static let prefetchDistance = 2
    /// Rows ahead whose output row is prefetched (GCNII-64, 2 alternating runs: none 21.1 / 22.5 s, 4 rows
    /// 17.8 / 17.7 s, with 8 MiB ranges).
    static let outputDistance = 4
}
