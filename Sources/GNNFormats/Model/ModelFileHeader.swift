import Foundation

/// The model header after the preamble (bytes 32..<128).
///
/// | offset | size | field |
/// |---|---|---|
/// | 32 | 8 | metadata offset (128) |
/// | 40 | 8 | metadata length |
/// | 48 | 8 | XXH3-64 of the metadata |
/// | 56 | 4 | tensor count |
/// | 60 | 4 | tensor entry size (88) |
/// | 64 | 8 | tensor table offset (metadata end rounded up to 8) |
/// | 72 | 8 | tensor table length: entries, then the name pool |
/// | 80 | 8 | XXH3-64 of the tensor table (entries and name pool) |
/// | 88 | 8 | file length in bytes |
/// | 96 | 24 | reserved, zero |
/// | 120 | 8 | XXH3-64 of bytes 0..<120 |
struct ModelFileHeader {
    var metadataOffset: UInt64
    var metadataLength: UInt64
    var metadataChecksum: UInt64
    var tensorCount: UInt32
    var entrySize: UInt32
    var tableOffset: UInt64
    var tableLength: UInt64
    var tableChecksum: UInt64
    var fileLength: UInt64

    static func read(_ bytes: UnsafeRawBufferPointer) throws -> ModelFileHeader {
        var reader = try FilePreamble.sealedHeader(bytes, kind: .model, remedy: "export the model again")
        let header = ModelFileHeader(
            metadataOffset: try reader.read(), metadataLength: try reader.read(), metadataChecksum: try reader.read(),
            tensorCount: try reader.read(), entrySize: try reader.read(), tableOffset: try reader.read(),
            tableLength: try reader.read(), tableChecksum: try reader.read(), fileLength: try reader.read())
        guard try reader.readBytes(24).allSatisfy({ $0 == 0 }) else {
            throw GNNError("header has non-zero reserved bytes (96..<120)")
        }
        return header
    }

    func write(to writer: inout ByteWriter) {
        writer.write(metadataOffset)
        writer.write(metadataLength)
        writer.write(metadataChecksum)
        writer.write(tensorCount)
        writer.write(entrySize)
        writer.write(tableOffset)
        writer.write(tableLength)
        writer.write(tableChecksum)
        writer.write(fileLength)
        writer.write([UInt8](repeating: 0, count: 24))
    }
}

extension ModelTensor {
    /// Reads one table entry; names come from `pool`.
    static func read(_ reader: inout ByteReader, pool: UnsafeRawBufferPointer, index: Int) throws -> ModelTensor {
        let nameOffset: UInt32 = try reader.read()
        let nameLength: UInt16 = try reader.read()
        guard UInt64(nameOffset) + UInt64(nameLength) <= UInt64(pool.count), nameLength > 0 else {
            throw GNNError("tensor table entry \(index) has a name outside the name pool")
        }
        let nameBytes = pool[Int(nameOffset)..<Int(nameOffset) + Int(nameLength)]
        guard let name = String(validatingUTF8CString: nameBytes) else {
            throw GNNError("tensor table entry \(index) has a name that is not UTF-8")
        }
        let dtype = try DType(id: try reader.read(), field: "tensor \"\(name)\"")
        let rank: UInt8 = try reader.read()
        guard rank <= ModelFormat.maxRank else { throw GNNError("tensor \"\(name)\" has rank \(rank); at most \(ModelFormat.maxRank)") }
        var dims: [UInt64] = []
        for _ in 0..<ModelFormat.maxRank { dims.append(try reader.read()) }
        guard dims[Int(rank)...].allSatisfy({ $0 == 0 }) else {
            throw GNNError("tensor \"\(name)\" has non-zero dims beyond its rank \(rank)")
        }
        let encodingID: UInt8 = try reader.read()
        guard let encoding = TensorEncoding(rawValue: encodingID) else {
            throw GNNError("tensor \"\(name)\" has unknown encoding \(encodingID)", fix: "the file was written by a newer tool or is damaged")
        }
        let flags: UInt8 = try reader.read()
        let reserved16: UInt16 = try reader.read()
        let reserved32: UInt32 = try reader.read()
        guard flags & ~1 == 0, reserved16 == 0, reserved32 == 0 else {
            throw GNNError("tensor \"\(name)\" has unknown flags or non-zero reserved fields")
        }
        let offset: UInt64 = try reader.read()
        let storedLength: UInt64 = try reader.read()
        let rawLength: UInt64 = try reader.read()
        let checksum: UInt64 = try reader.read()
        let reserved64: UInt64 = try reader.read()
        guard reserved64 == 0 else { throw GNNError("tensor \"\(name)\" has non-zero reserved fields") }
        let shape = Array(dims.prefix(Int(rank)))
        let elements = try Checked.product(shape, "tensor \"\(name)\" element count")
        let expectedRaw = try Checked.multiply(elements, UInt64(dtype.size), "tensor \"\(name)\" size")
        guard rawLength == expectedRaw else {
            throw GNNError("tensor \"\(name)\" has raw length \(rawLength) but shape \(shape) of \(dtype) needs \(expectedRaw)")
        }
        // Elements are counted in `Int` and decoded tensors live in memory: refuse sizes no machine can hold.
        guard expectedRaw <= UInt64(Int.max / 2), expectedRaw <= ProcessInfo.processInfo.physicalMemory else {
            throw GNNError("tensor \"\(name)\" claims \(expectedRaw) bytes, more than this machine's memory")
        }
        return ModelTensor(name: name, dtype: dtype, shape: try shape.map { try Checked.int($0, "tensor \"\(name)\" dim") },
                           encoding: encoding, isBuffer: flags & 1 != 0, offset: offset,
                           storedLength: storedLength, rawLength: rawLength, checksum: checksum)
    }

    func write(to writer: inout ByteWriter, nameOffset: UInt32) {
        writer.write(nameOffset)
        writer.write(UInt16(name.utf8.count))
        writer.write(dtype.rawValue)
        writer.write(UInt8(shape.count))
        for i in 0..<ModelFormat.maxRank { writer.write(i < shape.count ? UInt64(shape[i]) : 0) }
        writer.write(encoding.rawValue)
        writer.write(UInt8(isBuffer ? 1 : 0))
        writer.write(UInt16(0))
        writer.write(UInt32(0))
        writer.write(offset)
        writer.write(storedLength)
        writer.write(rawLength)
        writer.write(checksum)
        writer.write(UInt64(0))
    }
}

extension String {
    /// Decodes `bytes` as UTF-8 without NULs, or `nil`.
    init?(validatingUTF8CString bytes: Slice<UnsafeRawBufferPointer>) {
        guard !bytes.contains(0), let decoded = String(validating: bytes, as: UTF8.self) else { return nil }
        self = decoded
    }
}
