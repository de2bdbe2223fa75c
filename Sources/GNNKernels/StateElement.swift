import CHalfVectors

/// How the node state of a forward pass is stored (`predict --state-dtype`): the N × hidden state and the
/// normalised rows that aggregations gather. Every product and reduction still accumulates in float32;
/// 16-bit values are rounded to nearest, ties to even, when stored.
public enum StateDType: String, Sendable, CaseIterable {
    case f32
    /// bfloat16: float32's exponent range with 8 significant bits.
    case bf16
    /// IEEE binary16: 11 significant bits, largest finite value 65,504.
    case f16

    /// Bytes of one stored value.
    public var bytes: Int { self == .f32 ? 4 : 2 }
}

/// A type the state can be stored in: float32 itself, or a 16-bit format widened to float32 as it is read
/// and rounded (nearest, ties to even) as it is written.
public protocol StateElement: Sendable {
    /// The format's name (`--state-dtype`).
    static var dtype: StateDType { get }
    /// The stored value as float32 (exact: both 16-bit formats are subsets of float32).
    static func widen(_ value: Self) -> Float
    /// `value` rounded to nearest, ties to even.
    static func narrow(_ value: Float) -> Self
    /// Eight stored values from `row` (any alignment) as float32.
    static func widen8(_ row: UnsafePointer<Self>) -> SIMD8<Float>
    /// Stores eight values rounded as `narrow` does.
    static func narrow8(_ value: SIMD8<Float>, _ row: UnsafeMutablePointer<Self>)
}

extension Float: StateElement {
    public static var dtype: StateDType { .f32 }
    @inlinable public static func widen(_ value: Float) -> Float { value }
    @inlinable public static func narrow(_ value: Float) -> Float { value }
    @inlinable public static func widen8(_ row: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(row).loadUnaligned(as: SIMD8<Float>.self)
    }
    @inlinable public static func narrow8(_ value: SIMD8<Float>, _ row: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(row).storeBytes(of: value, as: SIMD8<Float>.self)
    }
}

extension Float16: StateElement {
    public static var dtype: StateDType { .f16 }
    @inlinable public static func widen(_ value: Float16) -> Float { Float(value) }
    @inlinable public static func narrow(_ value: Float) -> Float16 { Float16(value) }
    /// Eight at a time through `CHalfVectors` (Swift's SIMD conversions are out-of-line calls).
    @inlinable public static func widen8(_ row: UnsafePointer<Float16>) -> SIMD8<Float> { gnn_f16_widen8(row) }
    @inlinable public static func narrow8(_ value: SIMD8<Float>, _ row: UnsafeMutablePointer<Float16>) {
        gnn_f16_narrow8(value, row)
    }
}

/// bfloat16: the upper 16 bits of a float32.
@frozen public struct BFloat16: StateElement, Equatable {
    public var bits: UInt16

    @inlinable public init(bits: UInt16) { self.bits = bits }

    public static var dtype: StateDType { .bf16 }

    @inlinable public static func widen(_ value: BFloat16) -> Float { Float(bitPattern: UInt32(value.bits) << 16) }

    /// Adds 0x7FFF plus the lowest kept bit, then truncates: nearest, ties to even. A NaN stays a (quiet)
    /// NaN rather than rounding into infinity; values beyond bfloat16's largest finite become infinity,
    /// as IEEE rounding says.
    @inlinable public static func narrow(_ value: Float) -> BFloat16 {
        let bits = value.bitPattern
        if value.isNaN { return BFloat16(bits: UInt16(truncatingIfNeeded: bits >> 16) | 0x40) }
        return BFloat16(bits: UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16))
    }

    @inlinable public static func widen8(_ row: UnsafePointer<BFloat16>) -> SIMD8<Float> { gnn_bf16_widen8(row) }

    /// As `narrow`, eight at a time (`CHalfVectors`: Swift's SIMD integer conversions are out-of-line calls).
    @inlinable public static func narrow8(_ value: SIMD8<Float>, _ row: UnsafeMutablePointer<BFloat16>) {
        gnn_bf16_narrow8(value, row)
    }
}

/// Converting whole rows between float32 and a stored element type.
public enum StateRows {
    /// out[i] = widen(source[i]) for i < count, on the calling thread.
    @inlinable
    public static func widen<E: StateElement>(_ source: UnsafePointer<E>, count: Int, into out: UnsafeMutablePointer<Float>) {
        var i = 0
        while i + 8 <= count {
            Float.narrow8(E.widen8(source + i), out + i)
            i += 8
        }
        while i < count {
            out[i] = E.widen(source[i])
            i += 1
        }
    }

    /// out[i] = narrow(source[i]) for i < count, on the calling thread.
    @inlinable
    public static func narrow<E: StateElement>(_ source: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<E>) {
        var i = 0
        while i + 8 <= count {
            E.narrow8(Float.widen8(source + i), out + i)
            i += 8
        }
        while i < count {
            out[i] = E.narrow(source[i])
            i += 1
        }
    }
}

/// Node rows (row-major) as a pass stores them: float32, or one of the 16-bit formats. Kernels that gather
/// rows take this and run a version specialised for each format.
public enum StoredRows: @unchecked Sendable {
    case f32(UnsafePointer<Float>)
    case bf16(UnsafePointer<BFloat16>)
    case f16(UnsafePointer<Float16>)

    /// The rows at `rows`, in their element's format.
    public init<E: StateElement>(_ rows: UnsafePointer<E>) {
        let base = UnsafeRawPointer(rows)
        switch E.dtype {
        case .f32: self = .f32(base.assumingMemoryBound(to: Float.self))
        case .bf16: self = .bf16(base.assumingMemoryBound(to: BFloat16.self))
        case .f16: self = .f16(base.assumingMemoryBound(to: Float16.self))
        }
    }

    /// The float32 rows, or nil for a 16-bit format.
    public var float32: UnsafePointer<Float>? {
        if case .f32(let rows) = self { return rows }
        return nil
    }

    /// `count` values from element `offset` on, widened into `out`, on the calling thread.
    @inlinable
    public func widen(from offset: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        switch self {
        case .f32(let rows): out.update(from: rows + offset, count: count)
        case .bf16(let rows): StateRows.widen(rows + offset, count: count, into: out)
        case .f16(let rows): StateRows.widen(rows + offset, count: count, into: out)
        }
    }
}
