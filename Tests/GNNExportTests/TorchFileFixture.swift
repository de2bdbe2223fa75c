import Foundation
import GNNFormats

/// `.pt` files assembled by hand: a pickle program written opcode by opcode, zipped as `torch.save` does
/// (`archive/data.pkl`, `archive/data/KEY`, `archive/byteorder`), so the tests need no Python.
struct PickleProgram {
    var bytes: [UInt8] = [0x80, 2]  // PROTO 2

    mutating func op(_ code: UInt8) { bytes.append(code) }
    mutating func mark() { op(0x28) }
    mutating func global(_ module: String, _ name: String) { op(0x63); bytes += Array("\(module)\n\(name)\n".utf8) }
    mutating func string(_ text: String) {
        op(0x58)
        bytes += withUnsafeBytes(of: UInt32(text.utf8.count).littleEndian, Array.init) + Array(text.utf8)
    }
    mutating func int(_ value: Int32) { op(0x4A); bytes += withUnsafeBytes(of: value.littleEndian, Array.init) }
    mutating func tuple(_ build: (inout PickleProgram) -> Void) { mark(); build(&self); op(0x74) }
    mutating func put(_ index: UInt8) { op(0x71); bytes.append(index) }
    mutating func get(_ index: UInt8) { op(0x68); bytes.append(index) }
    mutating func reduce() { op(0x52) }
    mutating func stop() { op(0x2E) }

    /// `_rebuild_tensor_v2(("storage", torch.TYPE, key, "cpu", count), offset, shape, strides, False, OrderedDict())`.
    mutating func tensor(_ type: String, key: String, count: Int32, offset: Int32, shape: [Int32], strides: [Int32]) {
        global("torch._utils", "_rebuild_tensor_v2")
        tuple { p in
            p.tuple { p in
                p.string("storage"); p.global("torch", type); p.string(key); p.string("cpu"); p.int(count)
            }
            p.op(0x51)  // BINPERSID
            p.int(offset)
            p.tuple { p in shape.forEach { p.int($0) } }
            p.tuple { p in strides.forEach { p.int($0) } }
            p.op(0x89)  // NEWFALSE
            p.global("collections", "OrderedDict"); p.op(0x29); p.reduce()
        }
        reduce()
    }

    /// `OrderedDict()` with the entries `build` pushes (key, value, key, value, ...), as a state_dict pickles.
    mutating func orderedDict(_ build: (inout PickleProgram) -> Void) {
        global("collections", "OrderedDict"); op(0x29); reduce()
        mark(); build(&self); op(0x75)  // SETITEMS
    }
}

enum TorchFileFixture {
    /// A zip of `members` (name → bytes) under the folder `archive/`, stored uncompressed.
    static func write(_ members: [(String, [UInt8])], name: String = "weights.pt") throws -> String {
        let path = temporaryPath(name)
        var archive = ZipWriter()
        for (member, bytes) in members { archive.add("archive/" + member, bytes) }
        try Data(try archive.bytes()).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A `.pt` holding `pickle` and the storages `storages` (key → bytes).
    static func write(pickle: PickleProgram, storages: [(String, [UInt8])] = []) throws -> String {
        try write([("data.pkl", pickle.bytes), ("byteorder", Array("little".utf8))] + storages.map { ("data/" + $0.0, $0.1) })
    }
}
