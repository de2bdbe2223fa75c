/// Vectorised elementary functions for the softmax kernels.
///
/// Written with plain vector arithmetic and bit tricks only: the standard library's generic SIMD
/// conversions and roundings work lane by lane and would cost more than the maths.
enum VectorMath {
    /// Adding 1.5·2²³ rounds a float below 2²² to an integer held in the low mantissa bits.
    private static let roundingShift: Float = 12_582_912
    private static let roundingShiftBits: Int32 = 0x4B40_0000

    /// e^x for eight lanes, within 2 ulp of `expf` for x in [−87.3, 88.7]. Inputs are clamped to that range
    /// (below it the result is 1.2e−38 rather than 0, which no softmax weight can tell apart).
    ///
    /// Cephes' method: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two parts for exactness), e^r by a
    /// degree-6 polynomial, and 2^n written straight into the exponent bits.
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let clamped = minimum(maximum(x, SIMD8(repeating: -87.33654)), SIMD8(repeating: 88.72283))
        let shifted = clamped * 1.442695040888963 + roundingShift
        let n = shifted - roundingShift
        var r = clamped - n * 0.693359375
        r = r - n * -2.12194440e-4
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let result = p * (r * r) + r + 1
        let exponent = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- roundingShiftBits &+ 127) &<< 23
        return result * unsafeBitCast(exponent, to: SIMD8<Float>.self)
    }

    /// Lane-wise maximum (NaN-free inputs).
    @inline(__always)
    static func maximum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        var result = a
        for lane in 0..<8 { result[lane] = Swift.max(a[lane], b[lane]) }
        return result
    }

    /// Lane-wise minimum (NaN-free inputs).
    @inline(__always)
    static func minimum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        var result = a
        for lane in 0..<8 { result[lane] = Swift.min(a[lane], b[lane]) }
        return result
    }
}
