/// Sums over long flat vectors (dot products, squared norms) that give the same bits on any thread count.
///
/// The vector is cut into blocks of `BlockSums.blockLength` elements, a length that depends on nothing but
/// the constant; each block's partial sums are accumulated in float32 in index order by one thread, and the
/// partials are then added in block order. The fixed-point solvers use this for residuals and Gram matrices,
/// whose values steer the iteration and so must not depend on scheduling.
public enum BlockSums {
    /// Elements per block.
    public static let blockLength = 1 << 14

    /// Runs `body(range, partials)` once for every block of `0..<count`, on all worker threads; `body` adds
    /// its block's `width` sums into `partials` (zeroed before). Returns the `width` totals.
    public static func compute(count: Int, width: Int, _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        let blocks = (count + blockLength - 1) / blockLength
        let partials = UnsafeMutablePointer<Float>.allocate(capacity: max(blocks * width, 1))
        defer { partials.deallocate() }
        partials.initialize(repeating: 0, count: max(blocks * width, 1))
        KernelThreads.forEachBlock(rows: count, blockRows: blockLength) { range in
            body(range, partials + (range.lowerBound / blockLength) * width)
        }
        var totals = [Float](repeating: 0, count: width)
        for block in 0..<blocks {
            for j in 0..<width { totals[j] += partials[block * width + j] }
        }
        return totals
    }

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

    /// `dot(a, b)` over the whole of `0..<count`.
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        return compute(count: count, width: 1) { range, partial in partial[0] += dot(a, b, range) }[0]
    }
}
