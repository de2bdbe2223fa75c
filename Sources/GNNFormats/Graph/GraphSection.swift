/// One entry of a graph file's section table: where an array lives in the file and what it holds.
///
/// On disk (80 bytes, little-endian): name (24 bytes, NUL-padded ASCII), dtype id (u8), rank (u8, 1 or 2),
/// flags (u16, zero in 1.0), reserved (u32, zero), dims (2 × u64; unused dims zero), offset (u64),
/// length in bytes (u64), XXH3-64 checksum of the section's bytes (u64), reserved (u64, zero).
public struct GraphSection: Sendable, Equatable {
    public var name: String
    public var dtype: DType
    /// The array's shape: one or two dims.
    public var shape: [UInt64]
    /// Byte offset from the start of the file.
    public var offset: UInt64
    /// Byte length, always `shape.product × dtype.size`.
    public var length: UInt64
    /// XXH3-64 (seed 0) of the section's bytes.
    public var checksum: UInt64

    public init(name: String, dtype: DType, shape: [UInt64], offset: UInt64 = 0, length: UInt64 = 0, checksum: UInt64 = 0) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.offset = offset
        self.length = length
        self.checksum = checksum
    }

    /// The known kind of this section, or `nil` for a name this reader does not know (which it ignores).
    public var kind: GraphSectionKind? { GraphSectionKind(rawValue: name) }

    /// Reads one table entry. `index` is used in error messages.
    static func read(_ reader: inout ByteReader, index: Int) throws -> GraphSection {
        let start = reader.position
        let name = try reader.readPaddedString(GraphFormat.maxNameLength)
        guard !name.isEmpty else { throw GNNError("section table entry \(index) has an empty name") }
        let dtype = try DType(id: try reader.read(), field: "section \"\(name)\"")
        let rank: UInt8 = try reader.read()
        let flags: UInt16 = try reader.read()
        let reserved: UInt32 = try reader.read()
        guard rank == 1 || rank == 2 else {
            throw GNNError("section \"\(name)\" has rank \(rank); ranks 1 and 2 are allowed")
        }
        guard flags == 0, reserved == 0 else {
            throw GNNError("section \"\(name)\" has non-zero reserved fields (table entry at byte \(start))")
        }
        let dims: [UInt64] = [try reader.read(), try reader.read()]
        guard rank == 2 || dims[1] == 0 else {
            throw GNNError("section \"\(name)\" has rank 1 but a second dimension of \(dims[1])")
        }
        let offset: UInt64 = try reader.read()
        let length: UInt64 = try reader.read()
        let checksum: UInt64 = try reader.read()
        let reserved2: UInt64 = try reader.read()
        guard reserved2 == 0 else {
            throw GNNError("section \"\(name)\" has non-zero reserved fields (table entry at byte \(start))")
        }
        return GraphSection(name: name, dtype: dtype, shape: Array(dims.prefix(Int(rank))),
                            offset: offset, length: length, checksum: checksum)
    }

    /// Appends this entry's 80 bytes.
    func write(to writer: inout ByteWriter) {
        writer.writePadded(name, width: GraphFormat.maxNameLength)
        writer.write(dtype.rawValue)
        writer.write(UInt8(shape.count))
        writer.write(UInt16(0))
        writer.write(UInt32(0))
        writer.write(shape[0])
        writer.write(shape.count > 1 ? shape[1] : 0)
        writer.write(offset)
        writer.write(length)
        writer.write(checksum)
        writer.write(UInt64(0))
    }
}
