import Dispatch
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
        let arrays = UncheckedSendable((a, b, c))
        let workers = max(1, threads)
        func eachSlice(_ body: @escaping @Sendable (Range<Int>) -> Void) {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                body(elements * w / workers..<elements * (w + 1) / workers)
            }
        }
        eachSlice { slice in
            let (a, b, c) = arrays.value
            for i in slice { a[i] = 0; b[i] = 1; c[i] = 2 }
        }
        let scalar: Float = 3
        let seconds = Stopwatch.best(of: runs) {
            eachSlice { slice in
                let (a, b, c) = arrays.value
                for i in slice { a[i] = b[i] + scalar * c[i] }
            }
        }
        precondition(a[elements - 1] == 7)  // keeps the loop from being optimised away
        return Double(12 * elements) / seconds
    }
}
