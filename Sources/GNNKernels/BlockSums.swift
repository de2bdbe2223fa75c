/// The fixed-point solvers' per-row sums (dot products, squared norms), eight lanes at a time in a fixed
/// order, so that a row's sum is the same bits wherever it is taken; the rows' sums are then added exactly
/// (GNNModels' `NodeSums`, `ExactSum`). Residuals and Gram matrices steer the iteration, so they must not
/// depend on scheduling, nor on how the graph is split into shards.
public enum BlockSums {
    /// Elements per block of the solvers' elementwise loops (fixed, like `KernelThreads.blockRows`).
    public static let blockLength = 1 << 14

    /// Σ a[i]·b[i] over `range`, eight lanes at a time in a fixed order.
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ range: Range<Int>) -> Float {
        var lanes = SIMD8<Float>(repeating: 0)
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            lanes += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = lanes.sum()
        while i < range.upperBound {
            total += a[i] * b[i]
            i += 1
        }
        return total
    }

    /// (Σ (a[i] − b[i])², Σ a[i]²) over `range`, eight lanes at a time in a fixed order: a residual's two
    /// norms, with a = f(z) and b = z.
    @inline(__always)
    public static func differenceAndNorm(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                         _ range: Range<Int>) -> (difference: Float, norm: Float) {
        var differences = SIMD8<Float>(repeating: 0), norms = SIMD8<Float>(repeating: 0)
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
            let d = x - UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            differences += d * d
            norms += x * x
            i += 8
        }
        var difference = differences.sum(), norm = norms.sum()
        while i < range.upperBound {
            let d = a[i] - b[i]
            difference += d * d
            norm += a[i] * a[i]
            i += 1
        }
        return (difference, norm)
    }
}
