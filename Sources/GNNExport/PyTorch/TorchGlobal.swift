import GNNFormats

/// The only Python globals a `.pt` state_dict may name. Any other GLOBAL (`os.system`, `builtins.eval`,
/// ...) stops the read: a file naming one is not a plain state_dict, and Python would run it on load.
enum TorchGlobal: CustomStringConvertible, Equatable {
    /// `collections.OrderedDict`: the state_dict itself.
    case orderedDict
    /// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])`.
    case rebuildTensor
    /// `torch._utils._rebuild_parameter(tensor, requires_grad, hooks)`.
    case rebuildParameter
    /// `torch.FloatStorage` and the other typed storages, named in persistent ids.
    case storage(TorchStorageType)

    init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensor
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch", _):
            guard let type = TorchStorageType(rawValue: name) else { return nil }
            self = .storage(type)
        default: return nil
        }
    }

    /// The allowed globals, for messages.
    static let allowedNames = "collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter, torch.*Storage"

    var description: String {
        switch self {
        case .orderedDict: "collections.OrderedDict"
        case .rebuildTensor: "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: "torch._utils._rebuild_parameter"
        case .storage(let type): "torch.\(type.rawValue)"
        }
    }
}

/// PyTorch's typed storage classes, which name a storage's element type in a persistent id.
enum TorchStorageType: String, CaseIterable {
    case float = "FloatStorage"
    case half = "HalfStorage"
    case bfloat16 = "BFloat16Storage"
    case double = "DoubleStorage"
    case long = "LongStorage"
    case int = "IntStorage"
    case short = "ShortStorage"
    case char = "CharStorage"
    case byte = "ByteStorage"
    case bool = "BoolStorage"

    /// Bytes per element.
    var elementSize: Int {
        switch self {
        case .double, .long: 8
        case .float, .int: 4
        case .half, .bfloat16, .short: 2
        case .char, .byte, .bool: 1
        }
    }

    /// The model-file dtype the elements convert from, for the float types read as weights.
    var floatType: DType? {
        switch self {
        case .float: .float32
        case .half: .float16
        case .bfloat16: .bfloat16
        default: nil
        }
    }
}

/// A storage a tensor views: zip member `data/key`, holding `count` elements of `type`.
struct TorchStorageReference {
    let type: TorchStorageType
    let key: String
    let count: Int
}

/// A tensor as `_rebuild_tensor_v2` describes it: a strided view of a storage.
struct TorchTensorReference {
    let storage: TorchStorageReference
    let offset: Int
    let shape: [Int]
    let strides: [Int]
}
