import GNNConcurrency
import GNNFormats

/// This machine's sustainable memory bandwidth, measured as STREAM's triad: `a[i] = b[i] + s · c[i]`.
public enum MemoryBandwidth {
    /// Bytes per second of the triad over three f32 arrays of `elements` each (choose them much larger
    /// than the last-level cache), on `threads` threads each owning one contiguous slice — which it also
    /// initialises, so its pages sit near it. Counts 12 bytes per element, as STREAM does (reads of b and
    /// c, the write of a; no write-allocate traffic). Best of `runs`.
    public static func triad(elements: Int, threads: Int, runs: Int) -> Double {
        let a = UnsafeMutablePointer<Float>.allocate(capacity: elements)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: elements)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: elements)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        let workers = max(1, threads)
        func eachSlice(_ body: (Range<Int>) -> Void) {
            ParallelLoop.run(workers, workers: workers) { w in
                body(elements * w / workers..<elements * (w + 1) / workers)
            }
        }
        eachSlice { slice in
            for i in slice { a[i] = 0; b[i] = 1; c[i] = 2 }
        }
        let scalar: Float = 3
        let seconds = Stopwatch.best(of: runs) {
            eachSlice { slice in
                for i in slice { a[i] = b[i] + scalar * c[i] }
            }
        }
        precondition(a[elements - 1] == 7)  // keeps the loop from being optimised away
        return Double(12 * elements) / seconds
    }
}

extension MemoryBandwidth {
    /// Bytes per second of summing `gathers` rows of `channels` f32, picked uniformly at random (a fixed
    /// hash of the gather's index) from `rows` rows: the memory access of an aggregation over a graph
    /// without locality, and so the roof for aggregations whose sources are random. Each thread sums its
    /// own slice of gathers, four rows at a time so that four misses are in flight; counts one row per
    /// gather. Best of `runs`.
    public static func randomRowGather(rows: Int, channels: Int, gathers: Int, threads: Int, runs: Int) -> Double {
        let x = UnsafeMutablePointer<Float>.allocate(capacity: rows * channels)
        defer { x.deallocate() }
        x.initialize(repeating: 1, count: rows * channels)
        let workers = max(1, threads)
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: workers * channels)
        defer { sums.deallocate() }
        /// Row of gather g: a multiplicative hash, so the stream is the same on every run and machine.
        @Sendable func row(_ g: Int) -> Int { Int((UInt64(g) &* 0x9E37_79B9_7F4A_7C15) >> 20) % rows }
        let seconds = Stopwatch.best(of: runs) {
            ParallelLoop.run(workers, workers: workers) { w in
                let total = sums + w * channels
                total.initialize(repeating: 0, count: channels)
                var g = gathers * w / workers
                let end = gathers * (w + 1) / workers
                while g + 4 <= end {
                    let a = x + row(g) * channels, b = x + row(g + 1) * channels
                    let c = x + row(g + 2) * channels, d = x + row(g + 3) * channels
                    for k in 0..<channels { total[k] += (a[k] + b[k]) + (c[k] + d[k]) }
                    g += 4
                }
                while g < end {
                    let a = x + row(g) * channels
                    for k in 0..<channels { total[k] += a[k] }
                    g += 1
                }
            }
        }
        precondition(sums[0] > 0)  // keeps the loop from being optimised away
        return Double(gathers * channels * 4) / seconds
    }
}
