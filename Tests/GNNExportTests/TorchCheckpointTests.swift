import Foundation
@testable import GNNExport
import GNNFormats
import TestSupport
import XCTest

/// The `.pt` reader on hand-written pickles: what a state_dict holds is read, anything else is refused.
final class TorchCheckpointTests: XCTestCase {
    typealias F = SafetensorsFixture

    /// A state_dict of two views of one f32 storage (0, 1, …, 6) and an f16 parameter.
    static func stateDict() -> PickleProgram {
        var p = PickleProgram()
        p.orderedDict { p in
            // Transposed view at offset 1: w[i][j] = storage[1 + i + 2j] → [[1, 3, 5], [2, 4, 6]].
            p.string("w"); p.tensor("FloatStorage", key: "0", count: 7, offset: 1, shape: [2, 3], strides: [1, 2])
            p.put(1)
            p.string("w_again"); p.get(1)
            p.string("head"); p.tensor("FloatStorage", key: "0", count: 7, offset: 5, shape: [2], strides: [1])
            p.string("h")
            p.global("torch._utils", "_rebuild_parameter")
            p.tuple { p in
                p.tensor("HalfStorage", key: "1", count: 2, offset: 0, shape: [2], strides: [1])
                p.op(0x88)  // NEWTRUE
                p.global("collections", "OrderedDict"); p.op(0x29); p.reduce()
            }
            p.reduce()
        }
        p.op(0x7D); p.string("_metadata"); p.op(0x7D); p.op(0x73); p.op(0x62)  // BUILD {"_metadata": {}}
        p.stop()
        return p
    }

    static let storages = [("0", F.f32([0, 1, 2, 3, 4, 5, 6])), ("1", F.littleEndian([UInt16(0x3C00), 0xC100]))]

    func testReadsViewsSharedStoragesParametersAndHalfPrecision() throws {
        let state = try StateDict(path: try TorchFileFixture.write(pickle: Self.stateDict(), storages: Self.storages))
        XCTAssertEqual(state.tensors.map(\.name), ["w", "w_again", "head", "h"])
        XCTAssertEqual(state.tensors.map(\.shape), [[2, 3], [2, 3], [2], [2]])
        XCTAssertEqual(try state.tensors[0].floats(), [1, 3, 5, 2, 4, 6])
        XCTAssertEqual(try state.tensors[2].floats(), [5, 6])
        XCTAssertEqual(try state.tensors[3].floats(), [1, -2.5])
        XCTAssertTrue(try state.tensors[1].holdsSameValues(as: state.tensors[0]))
        XCTAssertEqual(state.sourceBytes, 6 * 4 * 2 + 2 * 4 + 2 * 2)
    }

    /// {"run": {"model": state_dict}, "epoch": 3}: the dotted path selects the nested state_dict.
    func testNestedStateDictIsSelectedByItsDottedKey() throws {
        var p = PickleProgram()
        p.op(0x7D)
        p.mark()
        p.string("run"); p.op(0x7D); p.string("model")
        p.orderedDict { p in p.string("w"); p.tensor("FloatStorage", key: "0", count: 7, offset: 0, shape: [7], strides: [1]) }
        p.op(0x73)  // SETITEM run["model"] = state_dict
        p.string("epoch"); p.int(3)
        p.op(0x75)  // SETITEMS
        p.stop()
        let path = try TorchFileFixture.write(pickle: p, storages: [Self.storages[0]])
        assertGNNError("holds \"epoch\", which is not a tensor, beside the weights: a checkpoint rather than a state_dict") {
            try StateDict(path: path)
        }
        let state = try StateDict(path: path, key: "run.model")
        XCTAssertEqual(state.tensors.map(\.name), ["w"])
        XCTAssertEqual(try state.tensors[0].floats(), [0, 1, 2, 3, 4, 5, 6])
    }

    func testRefusesGlobalsOutsideTheAllowList() throws {
        var system = PickleProgram()
        system.global("os", "system"); system.tuple { $0.string("touch /tmp/pwned") }; system.reduce(); system.stop()
        assertGNNError("refuses the global os.system: a state_dict never needs it") {
            try StateDict(path: try TorchFileFixture.write(pickle: system))
        }
        var eval = PickleProgram()
        eval.string("builtins"); eval.string("eval"); eval.op(0x93)  // STACK_GLOBAL
        eval.tuple { $0.string("1") }; eval.reduce(); eval.stop()
        assertGNNError("refuses the global builtins.eval") { try StateDict(path: try TorchFileFixture.write(pickle: eval)) }
    }

    func testRefusesCallsAndOpcodesAStateDictDoesNotUse() throws {
        var storage = PickleProgram()
        storage.global("torch", "FloatStorage"); storage.tuple { _ in }; storage.reduce(); storage.stop()
        assertGNNError("storages are only named in persistent ids") { try StateDict(path: try TorchFileFixture.write(pickle: storage)) }
        var string = PickleProgram()
        string.string("os.system"); string.tuple { _ in }; string.reduce(); string.stop()
        assertGNNError("REDUCE applies a string to a tuple; only allow-listed globals are called") {
            try StateDict(path: try TorchFileFixture.write(pickle: string))
        }
        var instance = PickleProgram()
        instance.op(0x69)  // INST: builds an instance of any class
        instance.bytes += Array("os\nsystem\n".utf8)
        assertGNNError("(opcode 0x69): opcode is not one a state_dict needs") {
            try StateDict(path: try TorchFileFixture.write(pickle: instance))
        }
    }

    func testRefusesStorageClaimsTheArchiveDoesNotBackAndViewsOutsideTheirStorage() throws {
        for (count, fragment) in [(Int32.max, "storage 0 claims 2147483647 × 4 bytes but member archive/data/0 holds 28"),
                                  (6, "storage 0 claims 6 × 4 bytes but member archive/data/0 holds 28")] {
            var p = PickleProgram()
            p.orderedDict { p in p.string("w"); p.tensor("FloatStorage", key: "0", count: count, offset: 0, shape: [2], strides: [1]) }
            p.stop()
            let state = try StateDict(path: try TorchFileFixture.write(pickle: p, storages: [Self.storages[0]]))
            assertGNNError(fragment) { try state.tensors[0].floats() }
        }
        // One key named first as 7 floats (28 bytes, as stored), then as 100 doubles.
        var retyped = PickleProgram()
        retyped.orderedDict { p in
            p.string("a"); p.tensor("FloatStorage", key: "0", count: 7, offset: 0, shape: [7], strides: [1])
            p.string("b"); p.tensor("DoubleStorage", key: "0", count: 100, offset: 0, shape: [100], strides: [1])
        }
        retyped.stop()
        let both = try StateDict(path: try TorchFileFixture.write(pickle: retyped, storages: [Self.storages[0]]))
        XCTAssertEqual(try both.tensors[0].floats(), [0, 1, 2, 3, 4, 5, 6])
        assertGNNError("storage 0 claims 100 × 8 bytes but member archive/data/0 holds 28") { try both.tensors[1].floats() }

        var missing = PickleProgram()
        missing.orderedDict { p in p.string("w"); p.tensor("FloatStorage", key: "9", count: 7, offset: 0, shape: [2], strides: [1]) }
        missing.stop()
        let state = try StateDict(path: try TorchFileFixture.write(pickle: missing, storages: [Self.storages[0]]))
        assertGNNError("lacks member archive/data/9") { try state.tensors[0].floats() }

        var outside = PickleProgram()
        outside.orderedDict { p in p.string("w"); p.tensor("FloatStorage", key: "0", count: 7, offset: 3, shape: [2, 3], strides: [1, 2]) }
        outside.stop()
        assertGNNError("reaches element 8 of storage 0, which has 7") {
            try StateDict(path: try TorchFileFixture.write(pickle: outside, storages: [Self.storages[0]]))
        }
    }

    func testRefusesDamagedAndUnusualFiles() throws {
        let valid = try TorchFileFixture.write(pickle: Self.stateDict(), storages: Self.storages)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: valid)))
        assertEveryTruncationIsRejected(bytes, at: temporaryPath("truncated.pt")) { path in
            try StateDict(path: path).tensors.map { try $0.floats() }
        }
        var unfinished = Self.stateDict()
        unfinished.bytes.removeLast()
        assertGNNError("without STOP; the file is truncated") { try StateDict(path: try TorchFileFixture.write(pickle: unfinished)) }

        var cycle = PickleProgram()
        cycle.op(0x7D); cycle.put(0); cycle.string("a"); cycle.get(0); cycle.op(0x73); cycle.stop()  // d["a"] = d
        assertGNNError("holds the same dict twice (again at \"a.\")") { try StateDict(path: try TorchFileFixture.write(pickle: cycle)) }

        // 300,000 nested tuples: refused, and torn down without recursing once per level.
        var nested = PickleProgram()
        nested.int(1)
        nested.bytes += [UInt8](repeating: 0x85, count: 300_000)  // TUPLE1
        nested.stop()
        assertGNNError("holds a tuple, not a state_dict") { try StateDict(path: try TorchFileFixture.write(pickle: nested)) }

        var list = PickleProgram()
        list.op(0x5D); list.stop()
        assertGNNError("holds a list, not a state_dict") { try StateDict(path: try TorchFileFixture.write(pickle: list)) }
        assertGNNError("legacy format of PyTorch before 1.6") { try StateDict(path: F.write(StateDict.legacyTorchMagic + [0xF9, 0x20], name: "old.pt")) }
        assertGNNError("is a zip with 0 NAME/data.pkl members") { try StateDict(path: try TorchFileFixture.write([("x.npy", [1])])) }
        assertGNNError("stores big-endian tensors") {
            try StateDict(path: try TorchFileFixture.write([("data.pkl", Self.stateDict().bytes), ("byteorder", Array("big".utf8))]))
        }
    }
}
