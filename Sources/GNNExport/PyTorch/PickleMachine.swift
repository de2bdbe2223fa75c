import GNNFormats

/// A pickle reader that knows only the opcodes and globals a PyTorch `state_dict` (or a checkpoint dict
/// holding one) needs, and refuses everything else before it has any effect.
///
/// Pickle is a small stack machine whose programs may import and call any Python function; here GLOBAL
/// resolves names against `TorchGlobal`'s fixed list, REDUCE applies only `OrderedDict()`,
/// `_rebuild_tensor_v2` and `_rebuild_parameter`, and BINPERSID accepts only PyTorch's
/// `("storage", type, key, location, numel)` ids. Protocols 2 to 5 are read (`torch.save` writes 2).
struct PickleMachine {
    private let bytes: UnsafeRawBufferPointer
    private var position = 0
    private var stack: [PickleValue] = []
    /// Stack heights at each open MARK.
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    /// Every container built, emptied flat at the end (see `PickleValue`).
    private var containers: [any PickleContainer] = []

    /// Runs the program in `bytes` to its STOP and hands the value it built to `body`, which must not keep
    /// its containers: they are emptied when `body` returns.
    static func read<Result>(_ bytes: UnsafeRawBufferPointer, _ body: (PickleValue) throws -> Result) throws -> Result {
        var machine = PickleMachine(bytes: bytes)
        defer {
            machine.stack.removeAll()
            machine.memo.removeAll()
            for container in machine.containers { container.removeAll() }
        }
        return try body(try machine.run())
    }

    private init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    private mutating func run() throws -> PickleValue {
        while true {
            let start = position
            let opcode = try readByte()
            do {
                if let result = try step(opcode) { return result }
            } catch let error as GNNError {
                throw GNNError("pickle byte \(start) (opcode 0x\(String(opcode, radix: 16))): \(error.problem)", fix: error.fix)
            }
        }
    }

    /// Executes one opcode; returns the result at STOP.
    private mutating func step(_ opcode: UInt8) throws -> PickleValue? {
        switch opcode {
        case 0x80:  // PROTO
            let version = try readByte()
            guard (2...5).contains(version) else { throw GNNError("pickle protocol \(version) is not supported (2 to 5)") }
        case 0x95: _ = try read(UInt64.self)  // FRAME: a length hint only
        case 0x2E:  // STOP
            guard stack.count == 1, marks.isEmpty else { throw GNNError("STOP leaves \(stack.count) values and \(marks.count) marks") }
            return stack[0]
        case 0x28: marks.append(stack.count)  // MARK
        case 0x4E: stack.append(.none)  // NONE
        case 0x88: stack.append(.bool(true))  // NEWTRUE
        case 0x89: stack.append(.bool(false))  // NEWFALSE
        case 0x4B: stack.append(.int(Int64(try readByte())))  // BININT1
        case 0x4D: stack.append(.int(Int64(try read(UInt16.self))))  // BININT2
        case 0x4A: stack.append(.int(Int64(Int32(bitPattern: try read(UInt32.self)))))  // BININT
        case 0x8A: stack.append(.int(try readLong(length: Int(try readByte()))))  // LONG1
        case 0x47: stack.append(.float(Double(bitPattern: try read(UInt64.self).byteSwapped)))  // BINFLOAT, big-endian
        case 0x58: stack.append(.string(try readString(length: try read(UInt32.self))))  // BINUNICODE
        case 0x8C: stack.append(.string(try readString(length: UInt32(try readByte()))))  // SHORT_BINUNICODE
        case 0x7D: push(.dict(PickleDict()))  // EMPTY_DICT
        case 0x5D: push(.list(PickleList()))  // EMPTY_LIST
        case 0x29: push(.tuple(PickleTuple([])))  // EMPTY_TUPLE
        case 0x74: push(.tuple(PickleTuple(try popToMark())))  // TUPLE
        case 0x85, 0x86, 0x87:  // TUPLE1, TUPLE2, TUPLE3
            push(.tuple(PickleTuple(try pop(Int(opcode - 0x84)))))
        case 0x61:  // APPEND
            let item = try pop()
            try list(on: try top()).items.append(item)
        case 0x65:  // APPENDS
            let items = try popToMark()
            try list(on: try top()).items.append(contentsOf: items)
        case 0x73:  // SETITEM
            let pair = try pop(2)
            try dict(on: try top()).set(pair[0], pair[1])
        case 0x75:  // SETITEMS
            let items = try popToMark()
            guard items.count % 2 == 0 else { throw GNNError("SETITEMS has an odd number of items") }
            let target = try dict(on: try top())
            for i in stride(from: 0, to: items.count, by: 2) { try target.set(items[i], items[i + 1]) }
        case 0x71: try put(Int(try readByte()))  // BINPUT
        case 0x72: try put(Int(try read(UInt32.self)))  // LONG_BINPUT
        case 0x94: try put(memo.count)  // MEMOIZE
        case 0x68: stack.append(try get(Int(try readByte())))  // BINGET
        case 0x6A: stack.append(try get(Int(try read(UInt32.self))))  // LONG_BINGET
        case 0x63:  // GLOBAL "module\nname\n"
            let module = try readLine(), name = try readLine()
            stack.append(.global(try allowed(module: module, name: name)))
        case 0x93:  // STACK_GLOBAL
            let names = try pop(2)
            guard case .string(let module) = names[0], case .string(let name) = names[1] else {
                throw GNNError("STACK_GLOBAL needs two strings")
            }
            stack.append(.global(try allowed(module: module, name: name)))
        case 0x51: stack.append(try persistentLoad(try pop()))  // BINPERSID
        case 0x52:  // REDUCE
            let arguments = try pop()
            let callable = try pop()
            guard case .global(let global) = callable, case .tuple(let values) = arguments else {
                throw GNNError("REDUCE applies \(callable.kind) to \(arguments.kind); only allow-listed globals are called")
            }
            push(try TorchReductions.apply(global, values.items))
        case 0x62:  // BUILD: sets an object's state; a state_dict's OrderedDict carries `_metadata` (versions) this way
            let state = try pop()
            guard case .dict = try top(), case .dict = state else {
                throw GNNError("BUILD sets the state of \(try top().kind), which a state_dict does not contain")
            }
        default:
            throw GNNError("opcode is not one a state_dict needs; the file is not a plain PyTorch state_dict (or it is damaged)",
                           fix: "save the weights with torch.save(model.state_dict(), path) or as safetensors")
        }
        return nil
    }

    private func allowed(module: String, name: String) throws -> TorchGlobal {
        guard let global = TorchGlobal(module: module, name: name) else {
            throw GNNError("refuses the global \(module).\(name): a state_dict never needs it and Python would run it on load (only \(TorchGlobal.allowedNames))",
                           fix: "do not load this file with torch.load either; save the weights with torch.save(model.state_dict(), path)")
        }
        return global
    }

    /// PyTorch's persistent id for a storage: `("storage", torch.XStorage, key, location, numel)`.
    private func persistentLoad(_ id: PickleValue) throws -> PickleValue {
        guard case .tuple(let tuple) = id, case let fields = tuple.items, fields.count == 5, case .string("storage") = fields[0],
              case .global(.storage(let type)) = fields[1], case .string(let key) = fields[2],
              case .string = fields[3], case .int(let count) = fields[4] else {
            throw GNNError("persistent id is not PyTorch's (\"storage\", type, key, location, numel)")
        }
        guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }), count >= 0 else {
            throw GNNError("storage key \"\(key)\" or element count \(count) is invalid")
        }
        return .storage(TorchStorageReference(type: type, key: key, count: try Checked.int(UInt64(count), "storage \(key) size")))
    }

    // MARK: Stack and memo

    /// Pushes `value`, registering it if it is a container.
    private mutating func push(_ value: PickleValue) {
        switch value {
        case .tuple(let tuple): containers.append(tuple)
        case .list(let list): containers.append(list)
        case .dict(let dict): containers.append(dict)
        default: break
        }
        stack.append(value)
    }

    private mutating func pop() throws -> PickleValue {
        guard stack.count > (marks.last ?? 0) else { throw GNNError("the stack is empty") }
        return stack.removeLast()
    }

    private mutating func pop(_ count: Int) throws -> [PickleValue] {
        guard stack.count - count >= (marks.last ?? 0) else { throw GNNError("the stack holds fewer than \(count) values") }
        defer { stack.removeLast(count) }
        return Array(stack.suffix(count))
    }

    private mutating func popToMark() throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw GNNError("no MARK is open") }
        defer { stack.removeLast(stack.count - mark) }
        return Array(stack[mark...])
    }

    private func top() throws -> PickleValue {
        guard let last = stack.last, stack.count > (marks.last ?? 0) else { throw GNNError("the stack is empty") }
        return last
    }

    private func list(on value: PickleValue) throws -> PickleList {
        guard case .list(let list) = value else { throw GNNError("appends to \(value.kind), not a list") }
        return list
    }

    private func dict(on value: PickleValue) throws -> PickleDict {
        guard case .dict(let dict) = value else { throw GNNError("sets an item of \(value.kind), not a dict") }
        return dict
    }

    private mutating func put(_ index: Int) throws {
        memo[index] = try top()
    }

    private func get(_ index: Int) throws -> PickleValue {
        guard let value = memo[index] else { throw GNNError("memo entry \(index) is read before it is written") }
        return value
    }

    // MARK: Reading bytes

    private mutating func readByte() throws -> UInt8 {
        guard position < bytes.count else { throw GNNError("the pickle ends at byte \(bytes.count) without STOP; the file is truncated") }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func read<T: FixedWidthInteger>(_: T.Type) throws -> T {
        var reader = ByteReader(bytes, at: position, context: "pickle")
        let value = try reader.read(T.self)
        position = reader.position
        return value
    }

    private mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
        var reader = ByteReader(bytes, at: position, context: "pickle")
        let raw = try reader.readBytes(count)
        position = reader.position
        return raw
    }

    private mutating func readString(length: UInt32) throws -> String {
        let raw = try take(Int(length))
        guard let text = String(validating: raw, as: UTF8.self) else { throw GNNError("a string is not valid UTF-8") }
        return text
    }

    /// A GLOBAL operand: text up to a newline (at most 256 bytes, far more than any allowed name).
    private mutating func readLine() throws -> String {
        let limit = min(bytes.count, position + 256)
        guard let end = (position..<limit).first(where: { bytes[$0] == 0x0A }) else {
            throw GNNError("a GLOBAL name has no end")
        }
        let text = try readString(length: UInt32(end - position))
        position += 1
        return text
    }

    /// A little-endian two's-complement integer of `length` bytes (at most 8).
    private mutating func readLong(length: Int) throws -> Int64 {
        guard length <= 8 else { throw GNNError("an integer of \(length) bytes does not fit 64 bits") }
        let raw = try take(length)
        guard length > 0 else { return 0 }
        var value: UInt64 = 0
        for (i, byte) in raw.enumerated() { value |= UInt64(byte) << (8 * UInt64(i)) }
        let unused = UInt64(64 - 8 * length)
        return Int64(bitPattern: value << unused) >> Int64(unused)  // sign-extend
    }
}
