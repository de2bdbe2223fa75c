import GNNFormats

/// A value built by `PickleMachine`: plain data, or one of the few torch objects a `state_dict` holds.
///
/// Nothing here can run code: callables are `TorchGlobal`s from a fixed list, applied by the machine itself.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int64)
    case float(Double)
    case string(String)
    case tuple([PickleValue])
    /// Lists and dicts are shared by reference, as in Python (the memo may hand out the same one twice).
    case list(PickleList)
    case dict(PickleDict)
    /// An allow-listed global, not yet applied.
    case global(TorchGlobal)
    /// A storage named by a persistent id: its bytes are the zip member `data/KEY`.
    case storage(TorchStorageReference)
    case tensor(TorchTensorReference)

    /// The kind of value, for messages: "a float", "a list", "a tensor".
    var kind: String {
        switch self {
        case .none: "None"
        case .bool: "a bool"
        case .int: "an int"
        case .float: "a float"
        case .string: "a string"
        case .tuple: "a tuple"
        case .list: "a list"
        case .dict: "a dict"
        case .global(let global): "the global \(global)"
        case .storage: "a storage"
        case .tensor: "a tensor"
        }
    }
}

/// A Python list under construction or finished.
final class PickleList {
    var items: [PickleValue] = []
}

/// A Python dict (or `OrderedDict`), keys in insertion order.
final class PickleDict {
    private(set) var keys: [PickleValue] = []
    private(set) var values: [PickleValue] = []
    private var indexByKey: [String: Int] = [:]

    /// Sets `key` (a string or an int, which is all a checkpoint uses as keys) to `value`.
    func set(_ key: PickleValue, _ value: PickleValue) throws {
        let name: String
        switch key {
        case .string(let text): name = "s" + text
        case .int(let number): name = "i\(number)"
        default: throw GNNError("a dict key is \(key.kind); a checkpoint's keys are strings or ints")
        }
        if let index = indexByKey[name] {
            values[index] = value
        } else {
            indexByKey[name] = keys.count
            keys.append(key)
            values.append(value)
        }
    }

    /// The keys as text: strings as they are, ints in decimal.
    var keyNames: [String] {
        keys.map { key in
            switch key {
            case .string(let text): text
            case .int(let number): String(number)
            default: "?"
            }
        }
    }
}
