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
    /// Containers are objects: shared by reference as in Python (the memo may hand out one twice), and
    /// emptied one by one when the machine is done, so a hostile, deeply nested value is never torn down
    /// recursively (which could exhaust the stack).
    case tuple(PickleTuple)
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

/// A container the machine empties when it is done with the whole value.
protocol PickleContainer: AnyObject {
    func removeAll()
}

/// A Python tuple.
final class PickleTuple: PickleContainer {
    private(set) var items: [PickleValue]

    init(_ items: [PickleValue]) {
        self.items = items
    }

    func removeAll() { items.removeAll() }
}

/// A Python list under construction or finished.
final class PickleList: PickleContainer {
    var items: [PickleValue] = []

    func removeAll() { items.removeAll() }
}

/// A Python dict (or `OrderedDict`), keys in insertion order.
final class PickleDict: PickleContainer {
    private(set) var keys: [PickleValue] = []
    private(set) var values: [PickleValue] = []
    /// Keys are held as they are, never copied into a composite string: a hostile pickle may use one long
    /// string (memoised once) as the key of thousands of dicts.
    private var indexByKey: [Key: Int] = [:]

    private enum Key: Hashable {
        case string(String)
        case int(Int64)
    }

    /// The longest string key accepted.
    static let maxKeyLength = 4096

    /// Sets `key` (a string or an int, which is all a checkpoint uses as keys) to `value`.
    func set(_ key: PickleValue, _ value: PickleValue) throws {
        let name: Key
        switch key {
        case .string(let text):
            // Hashing a key costs its length on every SETITEM: a long key memoised once and set in every dict
            // of a 255 KB pickle would cost gigabytes of work.
            guard text.utf8.count <= Self.maxKeyLength else {
                throw GNNError("a dict key is \(text.utf8.count) bytes long; a state_dict's keys are names of at most \(Self.maxKeyLength) bytes")
            }
            name = .string(text)
        case .int(let number): name = .int(number)
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

    func removeAll() {
        keys.removeAll()
        values.removeAll()
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
