import GNNFormats

/// A file written by `torch.save` (PyTorch ≥ 1.6's zip format): `NAME/data.pkl` describes the saved
/// object, `NAME/data/KEY` holds each storage's raw little-endian bytes.
///
/// The pickle is run by `PickleMachine`, which builds only dicts, lists, plain values and tensors; every
/// storage a tensor names is checked against its zip member (size, CRC) before its bytes are used.
final class TorchCheckpoint {
    let path: String
    /// The archive and the storages extracted from it, which every tensor's loader holds (not the checkpoint:
    /// the checkpoint holds the tensors, and a loader holding it would keep both alive forever, with the
    /// archive's file descriptor and every extracted storage).
    private let storages: Storages
    /// Every tensor of the saved object, nested dicts flattened with dots (`model_state_dict.lin1.weight`).
    private(set) var tensors: [ImportedTensor] = []
    /// Top-level entries that are neither tensors nor dicts (a checkpoint's `epoch`).
    private(set) var otherEntries: [String] = []

    /// The largest `data.pkl` read; a state_dict's pickle holds names and shapes only.
    static let maxPickleLength: UInt64 = 256 << 20
    /// Dicts nested deeper than this are refused (a self-referencing pickle would nest forever).
    static let maxDepth = 32

    init(path: String) throws {
        self.path = path
        do {
            let members = try ZipMembers(path: path, kind: "PyTorch .pt", fix: "save the weights with torch.save(model.state_dict(), path)")
            let pickles = members.names.filter { $0.hasSuffix("/data.pkl") && $0.split(separator: "/").count == 2 }
            guard pickles.count == 1 else {
                throw GNNError("is a zip with \(pickles.count) NAME/data.pkl members, not a torch.save file (which has one)",
                               fix: "save the weights with torch.save(model.state_dict(), path)")
            }
            let folder = String(pickles[0].dropLast("data.pkl".count))
            storages = Storages(path: path, members: members, folder: folder)
            if let order = try members.extract(folder + "byteorder", limit: 16) {
                guard String(decoding: order.bytes, as: UTF8.self) == "little" else {
                    throw GNNError("stores big-endian tensors (byteorder \"\(String(decoding: order.bytes, as: UTF8.self))\")",
                                   fix: "save it on a little-endian machine")
                }
            }
            let pickle = try members.extract(pickles[0], limit: Self.maxPickleLength)!
            nameBudget = Self.minimumNameBudget + Self.nameBytesPerPickleByte * pickle.bytes.count
            try PickleMachine.read(pickle.bytes) { root in
                guard case .dict(let top) = root else {
                    throw GNNError("holds \(root.kind), not a state_dict", fix: "save model.state_dict() rather than the model or another object")
                }
                try flatten(top, prefix: "", depth: 0)
            }
        } catch let error as GNNError {
            throw error.located(at: path)
        }
    }

    /// Dicts already flattened: a state_dict is a tree, so a dict reached twice (shared through the memo,
    /// or holding itself) is refused rather than walked again, which would multiply the work by the fan-out
    /// at every level (a 1.5 KB "billion laughs" pickle of dicts shared 30 deep).
    private var flattened = Set<ObjectIdentifier>()
    /// Bytes of dotted names built so far, and their limit: each level of nesting repeats its prefix in every
    /// name below it, so long keys nested deep could spell out gigabytes from a small pickle. Real names
    /// take a small multiple of the pickle that holds them.
    private var nameBytes = 0
    private var nameBudget = 0
    /// Bytes of names allowed per pickle byte (above `minimumNameBudget`).
    static let nameBytesPerPickleByte = 16
    static let minimumNameBudget = 1 << 20

    private func flatten(_ dict: PickleDict, prefix: String, depth: Int) throws {
        guard depth < Self.maxDepth else {
            throw GNNError("nests dicts more than \(Self.maxDepth) deep at \"\(GNNError.echo(prefix))\"", fix: "the file is damaged or hostile")
        }
        guard flattened.insert(ObjectIdentifier(dict)).inserted else {
            throw GNNError("holds the same dict twice (again at \"\(GNNError.echo(prefix))\"); a state_dict is a tree of dicts",
                           fix: "the file is damaged or hostile; save the weights with torch.save(model.state_dict(), path)")
        }
        for (name, value) in zip(dict.keyNames, dict.values) {
            nameBytes += prefix.utf8.count + name.utf8.count
            guard nameBytes <= nameBudget else {
                throw GNNError("spells out more than \(nameBudget) bytes of tensor names, far more than its pickle's size warrants",
                               fix: "the file is damaged or hostile")
            }
            let fullName = prefix + name
            switch value {
            case .tensor(let tensor): tensors.append(imported(fullName, tensor))
            case .dict(let inner): try flatten(inner, prefix: fullName + ".", depth: depth + 1)
            default: if depth == 0 { otherEntries.append(fullName) }
            }
        }
    }

    private func imported(_ name: String, _ tensor: TorchTensorReference) -> ImportedTensor {
        let type = tensor.storage.type
        let count = tensor.shape.reduce(1, *)
        let view = "\(tensor.storage.key)@\(tensor.offset):\(tensor.shape)/\(tensor.strides)"
        return ImportedTensor(name: name, shape: tensor.shape, sourceType: type.rawValue,
                              isFloatingPoint: type.floatType != nil || type == .double,
                              sourceBytes: count * type.elementSize, view: view) { [storages] in
            try storages.floats(tensor, name: name)
        }
    }
}

/// A checkpoint's zip archive and the storages extracted from it so far (each once).
private final class Storages {
    let path: String
    let members: ZipMembers
    /// The archive's folder, `NAME/`, which prefixes every member.
    let folder: String
    private var extracted: [String: ExtractedBytes] = [:]

    init(path: String, members: ZipMembers, folder: String) {
        self.path = path
        self.members = members
        self.folder = folder
    }

    /// The tensor's elements gathered in row-major order and converted to f32.
    func floats(_ tensor: TorchTensorReference, name: String) throws -> [Float] {
        let type = tensor.storage.type
        guard type.floatType != nil || type == .double else {
            throw GNNError("tensor \"\(name)\" is a \(type.rawValue), which cannot be read as floats", in: path)
        }
        let storage = try storageBytes(tensor.storage)
        let count = tensor.shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        guard count > 0 else { return values }
        if let dtype = type.floatType, tensor.strides == Self.rowMajorStrides(tensor.shape) {
            values.withUnsafeMutableBufferPointer { out in
                FloatConversion.toFloat(storage.baseAddress! + tensor.offset * type.elementSize, dtype: dtype, count: count,
                                        into: out.baseAddress!)
            }
            return values
        }
        values.withUnsafeMutableBufferPointer { out in
            var index = [Int](repeating: 0, count: tensor.shape.count)
            var element = tensor.offset
            for i in 0..<count {
                let source = storage.baseAddress! + element * type.elementSize
                if let dtype = type.floatType {
                    FloatConversion.toFloat(source, dtype: dtype, count: 1, into: out.baseAddress! + i)
                } else {
                    out[i] = Float(source.loadUnaligned(as: Double.self))
                }
                // Advance the multi-index like an odometer, last dimension fastest.
                var axis = tensor.shape.count - 1
                while axis >= 0 {
                    index[axis] += 1
                    element += tensor.strides[axis]
                    if index[axis] < tensor.shape[axis] { break }
                    element -= tensor.strides[axis] * tensor.shape[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
        return values
    }

    /// The strides of a contiguous (row-major) tensor of `shape`; other views take the element-wise path.
    private static func rowMajorStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        return strides
    }

    /// A storage's bytes, extracted once: the member must exist and hold exactly numel × element size,
    /// checked again on every use (a hostile pickle may name one key with different types and sizes).
    private func storageBytes(_ storage: TorchStorageReference) throws -> UnsafeRawBufferPointer {
        let member = folder + "data/" + storage.key
        do {
            let expected = try Checked.multiply(UInt64(storage.count), UInt64(storage.type.elementSize), "storage \(storage.key) size")
            let declared = try extracted[storage.key].map { UInt64($0.bytes.count) } ?? {
                guard let size = members.declaredSize(member) else {
                    throw GNNError("lacks member \(member), which the pickle names as a storage", fix: "the file is truncated or damaged")
                }
                return size
            }()
            guard declared == expected else {
                throw GNNError("storage \(storage.key) claims \(storage.count) × \(storage.type.elementSize) bytes but member \(member) holds \(declared)",
                               fix: "the file is damaged or hostile")
            }
            if let cached = extracted[storage.key] { return cached.bytes }
            let bytes = try members.extract(member, limit: expected)!
            extracted[storage.key] = bytes
            return bytes.bytes
        } catch let error as GNNError {
            throw error.located(at: path)
        }
    }
}
