/// Constants of the model file format, version 1.2. `formats/model.md` is the specification.
public enum ModelFormat {
    /// The version this code writes, and the newest major version it reads.
    public static let version = FormatVersion(major: 1, minor: 2)
    /// Bytes in the fixed header.
    public static let headerSize = FilePreamble.headerSize
    /// Bytes in one tensor-table entry.
    public static let entrySize = 88
    /// Tensor data starts at multiples of this.
    public static let alignment: UInt64 = 64
    /// Most tensors a file may have.
    public static let maxTensors = 1 << 20
    /// Largest metadata document, in bytes.
    public static let maxMetadataLength: UInt64 = 64 << 20
    /// Highest tensor rank.
    public static let maxRank = 4
    /// Required feature bit 0 (format 1.1): the architecture states its parts (norms with their ε,
    /// activations, block, head and encoders, §8.2), which a 1.0 reader would misread or ignore. Every 1.1
    /// writer sets it, so that 1.0 readers refuse 1.1 files instead of computing something else.
    public static let architecturePartsFeature: UInt64 = 1 << 0
    /// Required feature bits this reader understands.
    public static let knownRequiredFeatures: UInt64 = architecturePartsFeature
}

/// One entry of a model file's tensor table.
///
/// On disk (88 bytes, little-endian): name offset in the name pool (u32), name length (u16), dtype id (u8),
/// rank (u8, 0–4), dims (4 × u64, unused zero), encoding (u8), flags (u8; bit 0: buffer, not a learned
/// parameter), reserved (u16 + u32, zero), data offset or alias target index (u64), stored length (u64),
/// raw length (u64), XXH3-64 of the stored bytes (u64), reserved (u64, zero).
public struct ModelTensor: Sendable, Equatable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]
    public var encoding: TensorEncoding
    /// Not a learned parameter (e.g. BatchNorm running statistics).
    public var isBuffer: Bool
    /// For `alias`: the table index of the tensor this one shares; else the byte offset of its data.
    public var offset: UInt64
    /// Bytes stored in the file (0 for aliases).
    public var storedLength: UInt64
    /// Bytes of the decoded tensor: elements × dtype size.
    public var rawLength: UInt64
    public var checksum: UInt64

    /// Elements in the tensor.
    public var elementCount: Int { shape.reduce(1, *) }
}
