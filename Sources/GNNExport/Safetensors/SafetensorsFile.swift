import GNNFormats

/// A safetensors file (https://github.com/huggingface/safetensors) mapped and checked; data is read in place.
///
/// Layout: a little-endian u64 header length N, N bytes of UTF-8 JSON describing every tensor, then the
/// tensors' bytes back to back. Opening reads only the header and checks it strictly (see
/// `SafetensorsHeader`); values are converted when asked for.
///
/// ```swift
/// let weights = try SafetensorsFile(path: "model.safetensors")
/// for tensor in weights.tensors { print(tensor.name, tensor.dtype, tensor.shape) }
/// let w = try weights.floats("lin1.weight")
/// ```
public final class SafetensorsFile: @unchecked Sendable {
    /// The largest header accepted, as in the reference implementation.
    public static let maxHeaderLength: UInt64 = 100_000_000

    public let path: String
    /// The tensors, in the order of their data in the file.
    public let tensors: [SafetensorsTensor]
    /// The header's `__metadata__` map (empty when absent).
    public let metadata: [String: String]
    /// The file byte where the data area begins (8 + header length); `data_offsets` count from here.
    public let dataStart: Int

    private let file: MappedFile
    private let indexByName: [String: Int]

    /// Maps the file and checks its header and layout.
    public init(path: String) throws {
        self.path = path
        do {
            file = try MappedFile(path: path)
            let bytes = file.bytes
            guard bytes.count >= 8 else {
                throw GNNError("has \(bytes.count) bytes, too few for a safetensors file (an 8-byte header length comes first)",
                               fix: "the file is truncated or not a safetensors file")
            }
            var reader = ByteReader(bytes, context: "safetensors header")
            let headerLength = try reader.read(UInt64.self)
            guard headerLength <= Self.maxHeaderLength else {
                throw GNNError("header length \(headerLength) exceeds the limit of \(Self.maxHeaderLength) bytes",
                               fix: "this is not a safetensors file or it is damaged")
            }
            guard headerLength <= UInt64(bytes.count - 8) else {
                throw GNNError("header length \(headerLength) exceeds the \(bytes.count - 8) bytes after the length field",
                               fix: "the file is truncated or not a safetensors file")
            }
            dataStart = 8 + Int(headerLength)
            let header = try SafetensorsHeader(parsing: UnsafeRawBufferPointer(rebasing: bytes[8..<dataStart]),
                                               dataStart: dataStart, dataLength: bytes.count - dataStart)
            tensors = header.tensors
            metadata = header.metadata
            indexByName = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($1.name, $0) })
        } catch let error as GNNError {
            throw error.located(at: path)
        }
    }

    /// The entry named `name`, if any.
    public func tensor(named name: String) -> SafetensorsTensor? {
        indexByName[name].map { tensors[$0] }
    }

    /// The tensor's bytes, in place in the mapped file (valid while this object lives).
    public func rawBytes(_ tensor: SafetensorsTensor) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[(dataStart + tensor.dataOffsets.lowerBound)..<(dataStart + tensor.dataOffsets.upperBound)])
    }

    /// The elements of an F32, F16, BF16 or F64 tensor as f32, row-major (F64 rounded to nearest).
    public func floats(_ name: String) throws -> [Float] {
        let tensor = try existing(name)
        let count = tensor.elementCount
        let dtype: DType
        switch tensor.dtype {
        case .float32: dtype = .float32
        case .float16: dtype = .float16
        case .bfloat16: dtype = .bfloat16
        case .float64:
            return file.withBytes { _ in
                let raw = rawBytes(tensor)
                return (0..<count).map { Float(raw.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self)) }
            }
        default:
            throw GNNError("tensor \"\(name)\" has dtype \(tensor.dtype), which cannot be read as floats (F32, F16, BF16 or F64)",
                           in: path, fix: "convert it to float32 before saving")
        }
        guard count > 0 else { return [] }
        return file.withBytes { _ in
            [Float](unsafeUninitializedCapacity: count) { out, initialized in
                if let source = rawBytes(tensor).baseAddress, let destination = out.baseAddress {
                    FloatConversion.toFloat(source, dtype: dtype, count: count, into: destination)
                }
                initialized = count
            }
        }
    }

    /// The elements of an I64 or I32 tensor, row-major.
    public func integers(_ name: String) throws -> [Int64] {
        let tensor = try existing(name)
        return try file.withBytes { _ in
            let raw = rawBytes(tensor)
            switch tensor.dtype {
            case .int64: return (0..<tensor.elementCount).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self) }
            case .int32: return (0..<tensor.elementCount).map { Int64(raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
            default:
                throw GNNError("tensor \"\(name)\" has dtype \(tensor.dtype), which cannot be read as integers (I64 or I32)", in: path)
            }
        }
    }

    private func existing(_ name: String) throws -> SafetensorsTensor {
        guard let tensor = tensor(named: name) else {
            throw GNNError("has no tensor named \"\(name)\"", in: path, fix: "list the file's tensors to find the right name")
        }
        return tensor
    }
}
