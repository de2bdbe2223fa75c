import GNNFormats

/// A NumPy array parsed from `.npy` bytes: dtype, shape and order from the header, data left in place.
///
/// Supports the format's versions 1.0–3.0, little-endian and byte-order-free numeric dtypes
/// (`b1 i1 u1 i2 u2 i4 u4 i8 u8 f2 f4 f8`), C and Fortran order. Reading converts element by element, so
/// the caller never needs a second copy of a large array.
public struct NumPyArray: @unchecked Sendable {
    /// The name used in messages (the `.npz` member or file path).
    public let name: String
    public let elementType: Npy.ElementType
    public let shape: [Int]
    public let fortranOrder: Bool
    /// The element data, `shape.product × elementType.size` bytes.
    public let data: UnsafeRawBufferPointer
    /// Keeps the bytes `data` points into alive.
    private let owner: AnyObject

    /// Elements in the array.
    public var count: Int { shape.reduce(1, *) }

    /// Parses `.npy` bytes. `owner` must keep `bytes` alive as long as the array is used.
    public init(npy bytes: UnsafeRawBufferPointer, name: String, owner: AnyObject) throws {
        self.name = name
        self.owner = owner
        let header = try Npy.Header(reading: bytes, name: name)
        elementType = header.elementType
        shape = header.shape
        fortranOrder = header.fortranOrder
        var total: UInt64 = 1
        for dim in shape { total = try Checked.multiply(total, UInt64(dim), "\(name) element count") }
        let byteCount = try Checked.multiply(total, UInt64(elementType.size), "\(name) size")
        guard byteCount <= UInt64(bytes.count - header.dataOffset) else {
            throw GNNError("is truncated: shape \(shape) needs \(byteCount) bytes of data but \(bytes.count - header.dataOffset) remain", in: name)
        }
        guard byteCount == UInt64(bytes.count - header.dataOffset) else {
            throw GNNError("has \(UInt64(bytes.count - header.dataOffset) - byteCount) bytes after its array (shape \(shape) needs \(byteCount) bytes of data)",
                           in: name, fix: "write the array alone with numpy.save or numpy.savez")
        }
        data = UnsafeRawBufferPointer(rebasing: bytes[header.dataOffset..<header.dataOffset + Int(byteCount)])
    }

    /// The byte offset of element (`row`, `column`) in C-order terms; 1-D arrays are indexed by whichever
    /// of the two is non-zero (a column vector for `copyRows`, a row for `readIntegers`).
    @inline(__always)
    private func byteOffset(row: Int, column: Int) -> Int {
        guard shape.count == 2 else { return (row + column) * elementType.size }
        let index = fortranOrder ? column * shape[0] + row : row * shape[1] + column
        return index * elementType.size
    }

    /// Reads `range` of row `row` (C-order view) of a 1-D (row 0) or 2-D array as integers.
    /// Throws if the array holds floats with a fractional part.
    public func readIntegers(row: Int, range: Range<Int>, into out: UnsafeMutablePointer<Int64>) throws {
        for (k, column) in range.enumerated() {
            let at = byteOffset(row: shape.count == 2 ? row : 0, column: column)
            out[k] = try integer(at: at, position: column)
        }
    }

    /// All elements as integers, in C order.
    public func integers() throws -> [Int64] {
        let columns = shape.count == 2 ? shape[1] : count
        let rows = shape.count == 2 ? shape[0] : 1
        var result = [Int64](repeating: 0, count: count)
        // An empty array can still declare 10^17 rows of 0 columns: nothing to loop over.
        guard count > 0 else { return result }
        try result.withUnsafeMutableBufferPointer { out in
            for r in 0..<rows { try readIntegers(row: r, range: 0..<columns, into: out.baseAddress! + r * columns) }
        }
        return result
    }

    private func integer(at offset: Int, position: Int) throws -> Int64 {
        switch elementType {
        case .bool, .uint(bytes: 1): return Int64(data[offset])
        case .int(bytes: 1): return Int64(Int8(bitPattern: data[offset]))
        case .int(bytes: 2): return Int64(data.loadUnaligned(fromByteOffset: offset, as: Int16.self))
        case .uint(bytes: 2): return Int64(data.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
        case .int(bytes: 4): return Int64(data.loadUnaligned(fromByteOffset: offset, as: Int32.self))
        case .uint(bytes: 4): return Int64(data.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        case .int(bytes: 8): return data.loadUnaligned(fromByteOffset: offset, as: Int64.self)
        case .uint(bytes: 8):
            let value = data.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            guard value <= UInt64(Int64.max) else { throw GNNError("element \(position) (\(value)) is too large", in: name) }
            return Int64(value)
        case .float:
            let value = Double(float(at: offset))
            guard value.rounded() == value, abs(value) < 9.0e18 else {
                throw GNNError("element \(position) is \(value), not an integer", in: name, fix: "store indices as an integer array")
            }
            return Int64(value)
        default: preconditionFailure()
        }
    }

    @inline(__always)
    private func float(at offset: Int) -> Float {
        switch elementType {
        case .float(bytes: 2): Float(Float16(bitPattern: data.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
        case .float(bytes: 4): data.loadUnaligned(fromByteOffset: offset, as: Float.self)
        case .float(bytes: 8): Float(data.loadUnaligned(fromByteOffset: offset, as: Double.self))
        case .bool, .uint(bytes: 1): Float(data[offset])
        case .int(bytes: 1): Float(Int8(bitPattern: data[offset]))
        case .int(bytes: 2): Float(data.loadUnaligned(fromByteOffset: offset, as: Int16.self))
        case .uint(bytes: 2): Float(data.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
        case .int(bytes: 4): Float(data.loadUnaligned(fromByteOffset: offset, as: Int32.self))
        case .uint(bytes: 4): Float(data.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        case .int(bytes: 8): Float(data.loadUnaligned(fromByteOffset: offset, as: Int64.self))
        case .uint(bytes: 8): Float(data.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        default: preconditionFailure()
        }
    }
}

extension NumPyArray: FloatRowSource {
    /// Rows of a 2-D array (a 1-D array is one column).
    public var rows: Int { shape.first ?? 1 }
    public var columns: Int { shape.count == 2 ? shape[1] : 1 }

    public func copyRows(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>) throws {
        let columns = self.columns
        if elementType == .float(bytes: 4), !fortranOrder {
            UnsafeMutableRawPointer(out).copyMemory(from: data.baseAddress! + range.lowerBound * columns * 4,
                                                    byteCount: range.count * columns * 4)
            return
        }
        var k = 0
        for row in range {
            for column in 0..<columns {
                out[k] = float(at: byteOffset(row: row, column: column))
                k += 1
            }
        }
    }
}
