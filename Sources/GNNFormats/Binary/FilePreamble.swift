/// The kind of a gnn-serve file, told by its magic bytes, never by its extension.
public enum FileKind: Sendable, CustomStringConvertible {
    case graph
    case model

    /// The 8 magic bytes a file of this kind starts with: `\x89 G N N G \r \n \x1A` for graphs and
    /// `\x89 G N N M \r \n \x1A` for models. The high first byte and the CR LF pair expose files that a
    /// text-mode transfer has mangled, as PNG's signature does.
    public var magic: [UInt8] {
        switch self {
        case .graph: [0x89, 0x47, 0x4E, 0x4E, 0x47, 0x0D, 0x0A, 0x1A]
        case .model: [0x89, 0x47, 0x4E, 0x4E, 0x4D, 0x0D, 0x0A, 0x1A]
        }
    }

    public var description: String {
        switch self {
        case .graph: "graph"
        case .model: "model"
        }
    }

    /// The kind of the file whose first bytes are `bytes`, or an error saying what the file looks like instead.
    public static func detect(_ bytes: UnsafeRawBufferPointer) throws -> FileKind {
        let head = Array(bytes.prefix(8))
        if head == FileKind.graph.magic { return .graph }
        if head == FileKind.model.magic { return .model }
        throw GNNError("is not a gnn-serve graph or model file (\(describeForeign(bytes)))")
    }

    /// A guess at what a non-gnn-serve file is, so the error can point at the right command.
    private static func describeForeign(_ bytes: UnsafeRawBufferPointer) -> String {
        let head = Array(bytes.prefix(8))
        if bytes.isEmpty { return "the file is empty" }
        if head.count == 8, head[0...3] == [0x89, 0x47, 0x4E, 0x4E] {
            return "its magic is mangled, as by a text-mode transfer; copy the file in binary mode"
        }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            return "it is a zip archive such as a NumPy .npz or a PyTorch .pt; use `gnn-serve pack` or `gnn-export`"
        }
        if head.starts(with: Npy.magic) {
            return "it is a NumPy .npy array"
        }
        if head.count == 8, bytes.count > 8, bytes[8] == UInt8(ascii: "{") {
            return "it looks like a safetensors file; convert it with `gnn-export`"
        }
        let hex = head.map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " ")
        return "it starts with bytes \(hex)"
    }
}

/// A file format version: the major number changes only when old readers cannot read the file; the minor
/// number when something optional is added that old readers may ignore.
public struct FormatVersion: Sendable, Equatable, CustomStringConvertible {
    public var major: UInt16
    public var minor: UInt16

    public init(major: UInt16, minor: UInt16) {
        self.major = major
        self.minor = minor
    }

    public var description: String { "\(major).\(minor)" }
}

/// The first 32 bytes both formats share: magic, byte-order mark, version and feature bits.
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 8 | magic (`FileKind.magic`) |
/// | 8 | 4 | byte-order mark, u32 `0x0A0B0C0D` (bytes `0D 0C 0B 0A`) |
/// | 12 | 2 | major version |
/// | 14 | 2 | minor version |
/// | 16 | 8 | required feature bits: a reader refuses a file with a bit it does not know |
/// | 24 | 8 | optional feature bits: a reader ignores bits it does not know |
public struct FilePreamble: Sendable {
    public static let size = 32
    public static let byteOrderMark: UInt32 = 0x0A0B_0C0D

    public var kind: FileKind
    public var version: FormatVersion
    public var requiredFeatures: UInt64
    public var optionalFeatures: UInt64

    public init(kind: FileKind, version: FormatVersion, requiredFeatures: UInt64 = 0, optionalFeatures: UInt64 = 0) {
        self.kind = kind
        self.version = version
        self.requiredFeatures = requiredFeatures
        self.optionalFeatures = optionalFeatures
    }

    /// Reads and checks the preamble of a file of `kind` against what this reader supports.
    public static func read(_ bytes: UnsafeRawBufferPointer, expecting kind: FileKind,
                            readerVersion: FormatVersion, knownRequiredFeatures: UInt64) throws -> FilePreamble {
        let found = try FileKind.detect(bytes)
        guard found == kind else {
            throw GNNError("is a \(found) file where a \(kind) file was expected",
                           fix: kind == .model ? "pass it as the graph argument" : "pass it with --model")
        }
        var reader = ByteReader(bytes, at: 8, context: "\(kind) file header")
        let mark: UInt32 = try reader.read()
        if mark == FilePreamble.byteOrderMark.byteSwapped {
            throw GNNError("is byte-swapped (written big-endian); this format is little-endian",
                           fix: "write it again with gnn-serve on a little-endian machine")
        }
        guard mark == FilePreamble.byteOrderMark else {
            throw GNNError("has a damaged byte-order mark (0x\(String(mark, radix: 16)) at offset 8)")
        }
        let version = FormatVersion(major: try reader.read(), minor: try reader.read())
        guard version.major != 0 else {
            throw GNNError("has invalid format version \(version)")
        }
        guard version.major <= readerVersion.major else {
            throw GNNError("uses \(kind) format version \(version), newer than this reader's \(readerVersion)",
                           fix: "upgrade gnn-serve")
        }
        let required: UInt64 = try reader.read()
        let optional: UInt64 = try reader.read()
        let unknown = required & ~knownRequiredFeatures
        guard unknown == 0 else {
            throw GNNError("requires features this reader (\(kind) format \(readerVersion)) does not know "
                           + "(required bits 0x\(String(unknown, radix: 16)); file version \(version))",
                           fix: "upgrade gnn-serve")
        }
        return FilePreamble(kind: kind, version: version, requiredFeatures: required, optionalFeatures: optional)
    }

    /// Bytes in either format's fixed header, whose last 8 bytes are the XXH3-64 of the first 120.
    public static let headerSize = 128

    /// Checks that `bytes` holds a whole header with an intact checksum, and returns a reader positioned
    /// just after the preamble. `remedy` says how to get a good file ("pack the graph again").
    static func sealedHeader(_ bytes: UnsafeRawBufferPointer, kind: FileKind, remedy: String) throws -> ByteReader {
        guard bytes.count >= headerSize else {
            throw GNNError("is truncated: \(bytes.count) bytes, shorter than the \(headerSize)-byte header")
        }
        let stored = bytes.loadUnaligned(fromByteOffset: headerSize - 8, as: UInt64.self).littleEndian
        guard Checksum.of(UnsafeRawBufferPointer(rebasing: bytes[0..<headerSize - 8])) == stored else {
            throw GNNError("header checksum mismatch (bytes 0..<\(headerSize - 8)); the header is damaged", fix: remedy)
        }
        return ByteReader(bytes, at: size, context: "\(kind) header")
    }

    /// Checks the length the header records against the file's real length.
    static func checkFileLength(_ recorded: UInt64, actual: Int, remedy: String) throws {
        guard recorded == UInt64(actual) else {
            let state = recorded > UInt64(actual) ? "truncated" : "followed by trailing bytes"
            throw GNNError("header says the file has \(recorded) bytes but it has \(actual); the file is \(state)", fix: remedy)
        }
    }

    /// Appends the preamble's 32 bytes.
    public func write(to writer: inout ByteWriter) {
        writer.write(kind.magic)
        writer.write(FilePreamble.byteOrderMark)
        writer.write(version.major)
        writer.write(version.minor)
        writer.write(requiredFeatures)
        writer.write(optionalFeatures)
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
