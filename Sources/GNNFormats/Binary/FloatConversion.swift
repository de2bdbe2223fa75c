/// Conversions between `Float` and the 16-bit float formats the files may store.
///
/// f16 is IEEE binary16 (Swift's `Float16`); bf16 is the upper half of a binary32, rounded to nearest even
/// as PyTorch rounds it (NaN stays NaN).
public enum FloatConversion {
    /// The bf16 bit pattern nearest to `value` (round to nearest, ties to even).
    @inlinable
    public static func bfloat16Bits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
        let roundingBias: UInt32 = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ roundingBias) >> 16)
    }

    /// The `Float` a bf16 bit pattern stands for (exact).
    @inlinable
    public static func float(bfloat16Bits bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// Converts `count` elements stored as `dtype` at `source` into `Float`s at `destination`.
    ///
    /// `source` may be unaligned (it often points into a mapped file).
    public static func toFloat(_ source: UnsafeRawPointer, dtype: DType, count: Int,
                               into destination: UnsafeMutablePointer<Float>) {
        switch dtype {
        case .float32:
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
        case .float16:
            for i in 0..<count {
                destination[i] = Float(Float16(bitPattern: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case .bfloat16:
            for i in 0..<count {
                destination[i] = float(bfloat16Bits: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            }
        default:
            preconditionFailure("toFloat called on non-float dtype \(dtype)")
        }
    }

    /// Converts `count` floats into `dtype` (f32, f16 or bf16) at `destination`.
    public static func fromFloat(_ source: UnsafePointer<Float>, count: Int, to dtype: DType,
                                 into destination: UnsafeMutableRawPointer) {
        switch dtype {
        case .float32:
            destination.copyMemory(from: source, byteCount: count * 4)
        case .float16:
            for i in 0..<count {
                destination.storeBytes(of: Float16(source[i]).bitPattern, toByteOffset: 2 * i, as: UInt16.self)
            }
        case .bfloat16:
            for i in 0..<count {
                destination.storeBytes(of: bfloat16Bits(source[i]), toByteOffset: 2 * i, as: UInt16.self)
            }
        default:
            preconditionFailure("fromFloat called on non-float dtype \(dtype)")
        }
    }
}
