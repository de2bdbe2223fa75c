/// A model file opened and checked: header, metadata and tensor table parsed; tensors decoded on request.
///
/// ```swift
/// let model = try ModelFile(path: "model.gnnz")
/// print(model.metadata.architecture.family, model.metadata.parameterCount)
/// let weight = try model.floats("lin1.weight")
/// ```
public final class ModelFile: @unchecked Sendable {
    public let path: String
    public let preamble: FilePreamble
    /// The metadata document, architecture included.
    public let metadata: ModelMetadata
    /// The tensor table, in file order.
    public let tensors: [ModelTensor]
    /// The length of the file in bytes.
    public var fileLength: Int { file.bytes.count }

    private let file: MappedFile
    /// Where the tensor table (entries and name pool) ends; tensor data follows, 64-byte aligned.
    private let tableEnd: Int
    private let indexByName: [String: Int]

    /// Maps the file and checks its header, metadata, tensor table and layout; tensor data is checked when
    /// decoded (or all at once by `verify()`).
    public init(path: String) throws {
        self.path = path
        do {
            file = try MappedFile(path: path)
            let bytes = file.bytes
            preamble = try FilePreamble.read(bytes, expecting: .model, readerVersion: ModelFormat.version,
                                             knownRequiredFeatures: ModelFormat.knownRequiredFeatures)
            let header = try ModelFileHeader.read(bytes)
            try FilePreamble.checkFileLength(header.fileLength, actual: bytes.count, remedy: "copy or export it again")
            metadata = try ModelFile.readMetadata(bytes, header: header, version: preamble.version)
            tensors = try ModelFile.readTable(bytes, header: header)
            tableEnd = Int(header.tableOffset + header.tableLength)
            indexByName = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($1.name, $0) })
            let counted = try tensors.filter { !$0.isBuffer && $0.encoding != .alias }.reduce(UInt64(0)) {
                try Checked.add($0, UInt64($1.elementCount), "parameter count")
            }
            guard UInt64(exactly: metadata.parameterCount) == counted else {
                throw GNNError("metadata says \(metadata.parameterCount) parameters but the tensors hold \(counted)")
            }
        } catch let error as GNNError {
            throw error.located(at: path)
        }
    }

    /// The table entry named `name`, if any.
    public func tensor(named name: String) -> ModelTensor? {
        indexByName[name].map { tensors[$0] }
    }

    /// The entry whose bytes `tensor` uses: itself, or its alias target.
    public func storage(of tensor: ModelTensor) -> ModelTensor {
        tensor.encoding == .alias ? tensors[Int(tensor.offset)] : tensor
    }

    /// The tensor's elements decoded and converted to f32, row-major.
    public func floats(_ name: String) throws -> [Float] {
        guard let tensor = tensor(named: name) else {
            throw GNNError("has no tensor named \"\(name)\"", in: path)
        }
        guard tensor.dtype.isFloatingPoint else {
            throw GNNError("tensor \"\(name)\" has dtype \(tensor.dtype), not a float type", in: path)
        }
        let raw = try decodedBytes(tensor)
        return [Float](unsafeUninitializedCapacity: tensor.elementCount) { out, count in
            raw.withUnsafeBytes { FloatConversion.toFloat($0.baseAddress!, dtype: tensor.dtype, count: tensor.elementCount, into: out.baseAddress!) }
            count = tensor.elementCount
        }
    }

    /// The tensor's raw little-endian bytes, after checking its checksum and decompressing.
    public func decodedBytes(_ tensor: ModelTensor) throws -> [UInt8] {
        let source = storage(of: tensor)
        let stored = UnsafeRawBufferPointer(rebasing: file.bytes[Int(source.offset)..<Int(source.offset + source.storedLength)])
        guard Checksum.of(stored) == source.checksum else {
            throw GNNError("tensor \"\(source.name)\" checksum mismatch (bytes \(source.offset)..<\(source.offset + source.storedLength)); the file is damaged",
                           in: path, fix: "export the model again")
        }
        if source.encoding == .raw { return Array(stored) }
        do {
            return try TensorCodec.decompress(stored, elementSize: source.dtype.size, rawLength: Int(source.rawLength))
        } catch let error as GNNError {
            throw GNNError("tensor \"\(source.name)\": \(error.problem)", in: path, fix: "export the model again")
        }
    }

    /// Drops the mapped pages of all tensor data from resident memory. Decoded tensors are copies, so
    /// callers that stream weights (one layer at a time) call this after each layer; pages are read again
    /// from the page cache if needed. (Releasing tensor by tensor is not enough: the kernel maps pages
    /// around each fault, bringing neighbours back.)
    public func releaseTensorData() {
        file.release(tableEnd..<fileLength)
    }

    /// Decodes every tensor once, checking checksums, compressed frames and the zero padding between tensors.
    public func verify() throws {
        var previousEnd = tableEnd
        for tensor in tensors where tensor.encoding != .alias {
            if !file.bytes[previousEnd..<Int(tensor.offset)].allSatisfy({ $0 == 0 }) {
                throw GNNError("padding before tensor \"\(tensor.name)\" (bytes \(previousEnd)..<\(tensor.offset)) is not zero",
                               in: path, fix: "the file is damaged; export it again")
            }
            _ = try decodedBytes(tensor)
            previousEnd = Int(tensor.offset + tensor.storedLength)
        }
    }

    // MARK: Parsing

    /// The metadata document, decoded and validated. A file of a later minor version may use a part (a new
    /// activation, norm or conv option value) that this reader does not know: then the error says so.
    private static func readMetadata(_ bytes: UnsafeRawBufferPointer, header: ModelFileHeader,
                                     version: FormatVersion) throws -> ModelMetadata {
        guard header.metadataOffset == UInt64(ModelFormat.headerSize),
              header.metadataLength <= ModelFormat.maxMetadataLength,
              header.metadataLength <= UInt64(bytes.count) - header.metadataOffset else {
            throw GNNError("metadata (\(header.metadataLength) bytes at \(header.metadataOffset)) does not fit in the file")
        }
        let json = UnsafeRawBufferPointer(rebasing: bytes[Int(header.metadataOffset)..<Int(header.metadataOffset + header.metadataLength)])
        guard Checksum.of(json) == header.metadataChecksum else {
            throw GNNError("metadata checksum mismatch (bytes \(header.metadataOffset)..<\(header.metadataOffset + header.metadataLength)); the file is damaged",
                           fix: "export the model again")
        }
        do {
            let metadata = try ModelMetadata.decode(json)
            try metadata.architecture.validate()
            return metadata
        } catch let error as GNNError where version.minor > ModelFormat.version.minor {
            throw GNNError(error.problem, fix: "the file is model format \(version), written by a newer gnn-serve, and may use parts added after \(ModelFormat.version), the newest this reader knows: read it with a gnn-serve that knows format \(version)")
        }
    }

    private static func readTable(_ bytes: UnsafeRawBufferPointer, header: ModelFileHeader) throws -> [ModelTensor] {
        let metadataEnd = header.metadataOffset + header.metadataLength
        guard header.tableOffset == (try Checked.alignUp(metadataEnd, to: 8)) else {
            throw GNNError("tensor table starts at byte \(header.tableOffset), expected \(try Checked.alignUp(metadataEnd, to: 8))")
        }
        guard header.tensorCount <= ModelFormat.maxTensors else {
            throw GNNError("tensor count \(header.tensorCount) exceeds the limit of \(ModelFormat.maxTensors)")
        }
        guard header.entrySize >= ModelFormat.entrySize, header.entrySize % 8 == 0, header.entrySize <= 4096 else {
            throw GNNError("tensor entry size \(header.entrySize) is invalid (expected \(ModelFormat.entrySize))")
        }
        let entriesLength = UInt64(header.tensorCount) * UInt64(header.entrySize)
        guard header.tableLength >= entriesLength, header.tableOffset <= UInt64(bytes.count),
              header.tableLength <= UInt64(bytes.count) - header.tableOffset else {
            throw GNNError("tensor table (\(header.tableLength) bytes at \(header.tableOffset)) does not fit in the file")
        }
        guard bytes[Int(metadataEnd)..<Int(header.tableOffset)].allSatisfy({ $0 == 0 }) else {
            throw GNNError("padding between metadata and tensor table (bytes \(metadataEnd)..<\(header.tableOffset)) is not zero")
        }
        let table = UnsafeRawBufferPointer(rebasing: bytes[Int(header.tableOffset)..<Int(header.tableOffset + header.tableLength)])
        guard Checksum.of(table) == header.tableChecksum else {
            throw GNNError("tensor table checksum mismatch (bytes \(header.tableOffset)..<\(header.tableOffset + header.tableLength)); the file is damaged",
                           fix: "export the model again")
        }
        let pool = UnsafeRawBufferPointer(rebasing: table[Int(entriesLength)...])
        var tensors: [ModelTensor] = []
        var names = Set<String>()
        for index in 0..<Int(header.tensorCount) {
            var reader = ByteReader(table, at: index * Int(header.entrySize), context: "tensor table")
            let tensor = try ModelTensor.read(&reader, pool: pool, index: index)
            guard names.insert(tensor.name).inserted else { throw GNNError("tensor \"\(tensor.name)\" appears twice") }
            tensors.append(tensor)
        }
        try checkLayout(tensors, dataStart: header.tableOffset + header.tableLength, fileLength: header.fileLength)
        return tensors
    }

    /// Stored tensors follow one another in table order at 64-byte boundaries and end the file; aliases
    /// point at earlier-or-later stored tensors of the same dtype and shape.
    private static func checkLayout(_ tensors: [ModelTensor], dataStart: UInt64, fileLength: UInt64) throws {
        var expected = try Checked.alignUp(dataStart, to: ModelFormat.alignment)
        var end = dataStart
        for tensor in tensors {
            switch tensor.encoding {
            case .alias:
                guard tensor.offset < UInt64(tensors.count), tensor.storedLength == 0, tensor.checksum == 0 else {
                    throw GNNError("tensor \"\(tensor.name)\" is an alias with an invalid target or non-zero length")
                }
                let target = tensors[Int(tensor.offset)]
                guard target.encoding != .alias, target.dtype == tensor.dtype, target.shape == tensor.shape else {
                    throw GNNError("tensor \"\(tensor.name)\" aliases \"\(target.name)\", which is an alias or has another dtype or shape")
                }
                continue
            case .raw:
                guard tensor.storedLength == tensor.rawLength else {
                    throw GNNError("raw tensor \"\(tensor.name)\" stores \(tensor.storedLength) bytes but its shape needs \(tensor.rawLength)")
                }
            case .shuffledZstd:
                guard tensor.storedLength > 0 else {
                    throw GNNError("compressed tensor \"\(tensor.name)\" stores no bytes")
                }
            }
            guard tensor.offset == expected else {
                throw GNNError("tensor \"\(tensor.name)\" data starts at byte \(tensor.offset), expected \(expected)")
            }
            end = try Checked.add(tensor.offset, tensor.storedLength, "tensor \"\(tensor.name)\" end")
            guard end <= fileLength else {
                throw GNNError("tensor \"\(tensor.name)\" ends at byte \(end) but the file has \(fileLength) bytes; the file is truncated")
            }
            expected = try Checked.alignUp(end, to: ModelFormat.alignment)
        }
        guard end == fileLength else {
            throw GNNError("tensor data ends at byte \(end) but the file has \(fileLength) bytes")
        }
    }
}
