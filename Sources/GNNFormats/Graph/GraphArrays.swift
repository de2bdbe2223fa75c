/// A read-only array of node ids stored as u32 or u64 (the width is recorded in the file).
public enum NodeIndexArray: @unchecked Sendable {
    case u32(UnsafeBufferPointer<UInt32>)
    case u64(UnsafeBufferPointer<UInt64>)

    public var count: Int {
        switch self {
        case .u32(let a): a.count
        case .u64(let a): a.count
        }
    }

    @inlinable
    public subscript(i: Int) -> Int {
        switch self {
        case .u32(let a): Int(a[i])
        case .u64(let a): Int(truncatingIfNeeded: a[i])
        }
    }

    /// The first position whose index is `>= bound`, or `nil` when every index is below it.
    public func firstIndex(notBelow bound: Int) -> Int? {
        switch self {
        case .u32(let a): a.firstIndex { UInt64($0) >= UInt64(bound) }
        case .u64(let a): a.firstIndex { $0 >= UInt64(bound) }
        }
    }
}

/// A read-only row-major matrix of f32, f16 or bf16 values, usually mapped from a file.
public struct FloatMatrix: @unchecked Sendable {
    public let dtype: DType
    public let rows: Int
    public let columns: Int
    /// The first element; rows are `columns × dtype.size` bytes apart.
    public let base: UnsafeRawPointer?

    public init(dtype: DType, rows: Int, columns: Int, base: UnsafeRawPointer?) {
        precondition(dtype.isFloatingPoint)
        self.dtype = dtype
        self.rows = rows
        self.columns = columns
        self.base = base
    }

    /// The first `count` rows (a shard's owned rows, which come first).
    public func prefix(rows count: Int) -> FloatMatrix {
        FloatMatrix(dtype: dtype, rows: min(count, rows), columns: columns, base: base)
    }

    /// Converts rows `range` to f32 into `destination` (row-major, `columns` per row).
    public func copyRows(_ range: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        guard let base, !range.isEmpty else { return }
        let start = base + range.lowerBound * columns * dtype.size
        FloatConversion.toFloat(start, dtype: dtype, count: range.count * columns, into: destination)
    }
}
