/// Reads little-endian integers from a byte buffer with bounds checks, for file headers and tables.
public struct ByteReader {
    public let bytes: UnsafeRawBufferPointer
    /// The next byte to read.
    public var position: Int
    /// What is being read, used in error messages ("header", "section table").
    public let context: String

    public init(_ bytes: UnsafeRawBufferPointer, at position: Int = 0, context: String) {
        self.bytes = bytes
        self.position = position
        self.context = context
    }

    /// Reads a fixed-width integer stored little-endian.
    public mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) throws -> T {
        let size = MemoryLayout<T>.size
        guard position >= 0, size <= bytes.count - position else {
            throw GNNError("\(context) is truncated: needs \(size) bytes at offset \(position) but has \(bytes.count)")
        }
        let value = bytes.loadUnaligned(fromByteOffset: position, as: T.self)
        position += size
        return T(littleEndian: value)
    }

    /// Reads `count` raw bytes.
    public mutating func readBytes(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, position >= 0, count <= bytes.count - position else {
            throw GNNError("\(context) is truncated: needs \(count) bytes at offset \(position) but has \(bytes.count)")
        }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<position + count])
    }

    /// Reads a fixed-size, NUL-padded ASCII field.
    public mutating func readPaddedString(_ width: Int) throws -> String {
        let raw = try readBytes(width)
        let used = raw.firstIndex(of: 0) ?? width
        guard raw[used...].allSatisfy({ $0 == 0 }), raw[..<used].allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw GNNError("\(context) has a name field at offset \(position - width) that is not NUL-padded ASCII")
        }
        return String(decoding: raw[..<used], as: UTF8.self)
    }
}

/// Appends little-endian integers to a byte array, the inverse of `ByteReader`.
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ raw: [UInt8]) {
        bytes.append(contentsOf: raw)
    }

    /// Writes `string` as ASCII, NUL-padded to `width` bytes. The caller has checked it fits.
    public mutating func writePadded(_ string: String, width: Int) {
        let utf8 = Array(string.utf8)
        precondition(utf8.count <= width, "name \(string) longer than its field")
        bytes.append(contentsOf: utf8)
        bytes.append(contentsOf: repeatElement(0, count: width - utf8.count))
    }
}
