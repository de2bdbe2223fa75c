import Foundation

/// Builds a model file: tensors are converted to their storage dtype and compressed as they are added,
/// then `write(to:)` lays out header, metadata, table and data and writes them atomically.
///
/// ```swift
/// var writer = ModelFileWriter(metadata: metadata)
/// try writer.add("lin1.weight", shape: [64, 16], values: weights, dtype: .float16)
/// try writer.addAlias("convs.1.conv.lin.weight", of: "convs.0.conv.lin.weight")   // weight tying
/// try writer.write(to: "model.gnnz")
/// ```
public struct ModelFileWriter {
    /// What `write(to:)` produced.
    public struct Summary: Sendable {
        public var fileLength: UInt64
        /// Bytes of all distinct tensors decoded (aliases not counted).
        public var rawTensorBytes: UInt64
        public var parameterCount: Int
    }

    private var metadata: ModelMetadata
    private let compressionLevel: Int32
    private var entries: [ModelTensor] = []
    private var payloads: [[UInt8]] = []
    private var indexByName: [String: Int] = [:]

    /// `compressionLevel` is zstd's (1–22); 19 suits weights, which are written once and read often.
    public init(metadata: ModelMetadata, compressionLevel: Int32 = 19) {
        self.metadata = metadata
        self.compressionLevel = compressionLevel
    }

    /// Adds a tensor given as f32 values, stored as `dtype` (f32, f16 or bf16).
    public mutating func add(_ name: String, shape: [Int], values: [Float], dtype: DType = .float32,
                             isBuffer: Bool = false) throws {
        precondition(dtype.isFloatingPoint && values.count == shape.reduce(1, *))
        var raw = [UInt8](repeating: 0, count: values.count * dtype.size)
        values.withUnsafeBufferPointer { source in
            raw.withUnsafeMutableBytes { FloatConversion.fromFloat(source.baseAddress!, count: values.count, to: dtype, into: $0.baseAddress!) }
        }
        try add(name, shape: shape, rawBytes: raw, dtype: dtype, isBuffer: isBuffer)
    }

    /// Adds a tensor given as its raw little-endian bytes.
    public mutating func add(_ name: String, shape: [Int], rawBytes: [UInt8], dtype: DType, isBuffer: Bool = false) throws {
        try checkNew(name, shape: shape)
        precondition(rawBytes.count == shape.reduce(1, *) * dtype.size)
        let compressed = try rawBytes.withUnsafeBytes {
            try TensorCodec.compress($0, elementSize: dtype.size, level: compressionLevel)
        }
        let stored = compressed ?? rawBytes
        indexByName[name] = entries.count
        entries.append(ModelTensor(name: name, dtype: dtype, shape: shape, encoding: compressed == nil ? .raw : .shuffledZstd,
                                   isBuffer: isBuffer, offset: 0, storedLength: UInt64(stored.count),
                                   rawLength: UInt64(rawBytes.count), checksum: Checksum.of(stored)))
        payloads.append(stored)
    }

    /// Adds `name` as the same tensor as `target` (stored once, referenced here).
    public mutating func addAlias(_ name: String, of target: String) throws {
        guard let targetIndex = indexByName[target] else { throw GNNError("alias target \"\(target)\" was not added") }
        let source = entries[targetIndex]
        guard source.encoding != .alias else { throw GNNError("alias target \"\(target)\" is itself an alias") }
        try checkNew(name, shape: source.shape)
        indexByName[name] = entries.count
        entries.append(ModelTensor(name: name, dtype: source.dtype, shape: source.shape, encoding: .alias,
                                   isBuffer: source.isBuffer, offset: UInt64(targetIndex), storedLength: 0,
                                   rawLength: source.rawLength, checksum: 0))
        payloads.append([])
    }

    private func checkNew(_ name: String, shape: [Int]) throws {
        guard !name.isEmpty, name.utf8.count <= Int(UInt16.max), !name.utf8.contains(0) else {
            throw GNNError("tensor name \"\(name)\" is empty, too long or contains NUL")
        }
        guard indexByName[name] == nil else { throw GNNError("tensor \"\(name)\" added twice") }
        guard shape.count <= ModelFormat.maxRank, shape.allSatisfy({ $0 >= 0 }) else {
            throw GNNError("tensor \"\(name)\" has shape \(shape); rank at most \(ModelFormat.maxRank), dims ≥ 0")
        }
    }

    /// Now, or the time `SOURCE_DATE_EPOCH` (seconds since 1970, the reproducible-builds convention) names,
    /// so that the same weights and description can export the same bytes.
    static func creationDate() -> Date {
        guard let text = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"], let seconds = Int64(text), seconds >= 0 else {
            return Date()
        }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Writes the file atomically. `overwrite: false` refuses an existing destination.
    @discardableResult
    public func write(to path: String, overwrite: Bool = true) throws -> Summary {
        var metadata = self.metadata
        metadata.parameterCount = entries.filter { !$0.isBuffer && $0.encoding != .alias }.reduce(0) { $0 + $1.elementCount }
        if metadata.createdAt == nil {
            metadata.createdAt = ISO8601DateFormatter().string(from: Self.creationDate())
        }
        let json = try metadata.encoded()
        let metadataEnd = UInt64(ModelFormat.headerSize + json.count)
        let tableOffset = try Checked.alignUp(metadataEnd, to: 8)

        var pool: [UInt8] = []
        var nameOffsets: [UInt32] = []
        for entry in entries {
            nameOffsets.append(UInt32(pool.count))
            pool.append(contentsOf: entry.name.utf8)
        }
        let tableLength = UInt64(entries.count * ModelFormat.entrySize + pool.count)
        var offset = try Checked.alignUp(tableOffset + tableLength, to: ModelFormat.alignment)
        var fileLength = tableOffset + tableLength
        var laidOut = entries
        for i in laidOut.indices where laidOut[i].encoding != .alias {
            laidOut[i].offset = offset
            fileLength = offset + laidOut[i].storedLength
            offset = try Checked.alignUp(fileLength, to: ModelFormat.alignment)
        }

        var table = ByteWriter()
        for (entry, nameOffset) in zip(laidOut, nameOffsets) { entry.write(to: &table, nameOffset: nameOffset) }
        table.write(pool)

        var header = ByteWriter()
        FilePreamble(kind: .model, version: ModelFormat.version,
                     requiredFeatures: ModelFormat.architecturePartsFeature).write(to: &header)
        ModelFileHeader(metadataOffset: UInt64(ModelFormat.headerSize), metadataLength: UInt64(json.count),
                        metadataChecksum: Checksum.of(json), tensorCount: UInt32(entries.count),
                        entrySize: UInt32(ModelFormat.entrySize), tableOffset: tableOffset, tableLength: tableLength,
                        tableChecksum: Checksum.of(table.bytes), fileLength: fileLength).write(to: &header)
        header.write(Checksum.of(header.bytes))

        let output = try AtomicOutputFile(path: path, overwrite: overwrite)
        try output.setLength(fileLength)
        try output.write(header.bytes + json, at: 0)
        try output.write(table.bytes, at: tableOffset)
        for (entry, payload) in zip(laidOut, payloads) where entry.encoding != .alias {
            try output.write(payload, at: entry.offset)
        }
        try output.commit()
        let rawBytes = laidOut.filter { $0.encoding != .alias }.reduce(UInt64(0)) { $0 + $1.rawLength }
        return Summary(fileLength: fileLength, rawTensorBytes: rawBytes, parameterCount: metadata.parameterCount)
    }
}
