import GNNFormats

/// A PyTorch `state_dict` read from `.safetensors` or `.pt`: tensor names and shapes at once, values on
/// request as f32.
///
/// ```swift
/// let weights = try StateDict(path: "model.pt", key: "model_state_dict")
/// for tensor in weights.tensors { print(tensor.name, tensor.shape) }
/// ```
public struct StateDict {
    public let path: String
    /// The tensors in file order, names relative to `key` when one was given.
    public var tensors: [ImportedTensor]
    /// What the reader decided on the user's behalf, for stderr (a `key` that a safetensors file cannot have).
    public var notes: [String] = []

    /// Reads the file's tensor table; the format is recognised by content (a zip is PyTorch's `.pt`).
    ///
    /// `key` selects a nested state_dict (`{"model_state_dict": {...}, "epoch": 3}`): only tensors named
    /// `key.*` are kept, without that prefix. Without it every entry must be a tensor. A safetensors file
    /// holds one flat state_dict, so a `key` none of its names start with is ignored (with a note) rather
    /// than refused: the same description then serves both files.
    public init(path: String, key: String? = nil) throws {
        self.path = path
        let file = try MappedFile(path: path)
        let isZip = file.bytes.count >= 4 && file.bytes.loadUnaligned(as: UInt32.self) == UInt32(littleEndian: 0x0403_4B50)
        // torch.save before PyTorch 1.6 wrote bare pickles, starting with PROTO 2 and a LONG1 magic number:
        // as a safetensors header length these 8 bytes would exceed any allowed, so no safetensors file matches.
        guard isZip || !file.bytes.starts(with: Self.legacyTorchMagic) else {
            throw GNNError("is a torch.save file in the legacy format of PyTorch before 1.6, which is not read", in: path,
                           fix: "load and save it again with a current PyTorch, or save it with safetensors")
        }
        let checkpoint = isZip ? try TorchCheckpoint(path: path) : nil
        let all = try checkpoint?.tensors ?? Self.safetensors(path)
        let otherEntries = checkpoint?.otherEntries ?? []
        if let key, checkpoint == nil, !all.contains(where: { $0.name.hasPrefix(key + ".") }) {
            notes.append("key \"\(key)\" ignored: \(path) is a safetensors file, which holds one state_dict")
            tensors = all
            return
        }
        guard let key else {
            if let other = otherEntries.first {
                let entries = Self.stateDictEntries(all)
                throw GNNError("holds \"\(GNNError.echo(other))\", which is not a tensor, beside the weights: a checkpoint rather than a state_dict",
                               in: path, fix: entries.isEmpty
                                   ? "it holds no nested state_dict of model weights to choose; save model.state_dict() instead"
                                   : "choose the state_dict with --key (one of: \(entries.prefix(20).map(GNNError.echo).joined(separator: ", ")))")
            }
            tensors = all
            return
        }
        let prefix = key + "."
        tensors = all.compactMap { tensor in
            tensor.name.hasPrefix(prefix) ? tensor.renamed(String(tensor.name.dropFirst(prefix.count))) : nil
        }
        guard !tensors.isEmpty else {
            let tops = Set(all.map { $0.name.split(separator: ".").first.map(String.init) ?? $0.name }).sorted()
            throw GNNError("has no tensors under the key \"\(key)\"", in: path,
                           fix: "choose one of: \(tops.prefix(20).joined(separator: ", "))")
        }
    }

    /// Top-level entries that hold a model's tensors: an optimizer's state_dict (`{"state": {0: {...}},
    /// "param_groups": [...]}`, tensors named `state.N.*` only) holds tensors too, but none to export.
    static func stateDictEntries(_ tensors: [ImportedTensor]) -> [String] {
        var optimizerLike: [String: Bool] = [:]
        for tensor in tensors {
            let parts = tensor.name.split(separator: ".", maxSplits: 3)
            guard parts.count > 1 else { continue }
            let isOptimizerState = parts.count > 2 && parts[1] == "state" && Int(parts[2]) != nil
            optimizerLike[String(parts[0]), default: true] = optimizerLike[String(parts[0]), default: true] && isOptimizerState
        }
        return optimizerLike.filter { !$0.value }.keys.sorted()
    }

    /// The first bytes of a pre-1.6 `torch.save` file.
    static let legacyTorchMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46]

    /// Total bytes of the tensors in their source element types: what a safetensors file of them holds
    /// besides its small JSON header.
    public var sourceBytes: Int { tensors.reduce(0) { $0 + $1.sourceBytes } }

    private static func safetensors(_ path: String) throws -> [ImportedTensor] {
        let file = try SafetensorsFile(path: path)
        return file.tensors.map { entry in
            ImportedTensor(name: entry.name, shape: entry.shape, sourceType: entry.dtype.rawValue,
                           isFloatingPoint: entry.dtype.isFloatingPoint,
                           sourceBytes: entry.dataOffsets.count, view: nil) { try file.floats(entry.name) }
        }
    }
}

/// One tensor of a `StateDict`.
public struct ImportedTensor {
    public let name: String
    public let shape: [Int]
    /// The element type as the source names it (`F32`, `BF16`, `HalfStorage`, ...).
    public let sourceType: String
    public let isFloatingPoint: Bool
    /// Bytes the values take in the source type.
    public let sourceBytes: Int
    /// Equal for two tensors that view the same stored bytes the same way (a `.pt` saves a module
    /// repeated in a `ModuleList` once and points every name at it); `nil` when unknown.
    let view: String?
    private let load: () throws -> [Float]

    init(name: String, shape: [Int], sourceType: String, isFloatingPoint: Bool, sourceBytes: Int, view: String?,
         load: @escaping () throws -> [Float]) {
        self.name = name
        self.shape = shape
        self.sourceType = sourceType
        self.isFloatingPoint = isFloatingPoint
        self.sourceBytes = sourceBytes
        self.view = view
        self.load = load
    }

    /// The values as f32, row-major.
    public func floats() throws -> [Float] { try load() }

    /// The same tensor under another name.
    func renamed(_ newName: String) -> ImportedTensor {
        ImportedTensor(name: newName, shape: shape, sourceType: sourceType, isFloatingPoint: isFloatingPoint,
                       sourceBytes: sourceBytes, view: view, load: load)
    }

    /// Whether `other` holds bit-identical values with the same shape.
    func holdsSameValues(as other: ImportedTensor) throws -> Bool {
        guard shape == other.shape else { return false }
        if let view, view == other.view { return true }
        let a = try floats(), b = try other.floats()
        return a.elementsEqual(b) { $0.bitPattern == $1.bitPattern }
    }
}
