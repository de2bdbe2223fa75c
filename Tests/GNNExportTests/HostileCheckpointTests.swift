import Foundation
@testable import GNNExport
import GNNFormats
import TestSupport
import XCTest

/// `.pt` files built to exhaust time or memory: each is refused quickly with one line.
final class HostileCheckpointTests: XCTestCase {
    /// d0 = {}, d(i) = {"a": d(i−1), "b": d(i−1)}, 30 levels: walking it as a tree visits 2^30 dicts.
    func testDictsSharedThirtyDeepAreRefusedAtOnce() throws {
        // d(i) is built in place as the "a" value of d(i+1), memoised as i, and named again by "b".
        func build(_ level: UInt8, _ p: inout PickleProgram) {
            p.op(0x7D); p.put(level)  // EMPTY_DICT, memo level
            guard level > 0 else { return }
            p.mark()
            p.string("a"); build(level - 1, &p)
            p.string("b"); p.get(level - 1)
            p.op(0x75)  // SETITEMS
        }
        var p = PickleProgram()
        build(30, &p)
        p.stop()
        let path = try TorchFileFixture.write(pickle: p)
        let start = ContinuousClock.now
        // The walk goes down the "a" side to d0, then meets d0 again under the first "b".
        let again = String(repeating: "a.", count: 29) + "b."
        assertGNNError("holds the same dict twice (again at \"\(again)\"); a state_dict is a tree of dicts") {
            try StateDict(path: path)
        }
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(2))
    }

    /// A dict that holds itself.
    func testSelfReferencingDictIsRefused() throws {
        var p = PickleProgram()
        p.op(0x7D); p.put(0)
        p.string("self"); p.get(0); p.op(0x73)  // d["self"] = d
        p.stop()
        assertGNNError("holds the same dict twice (again at \"self.\")") { try StateDict(path: try TorchFileFixture.write(pickle: p)) }
    }

    /// A stride-0 view of a one-float storage claiming 2^31−1 × 2^31−1 elements: reading it would
    /// materialise 16 EiB.
    func testStrideZeroViewLargerThanItsStorageIsRefused() throws {
        var p = PickleProgram()
        p.orderedDict { p in
            p.string("w")
            p.tensor("FloatStorage", key: "0", count: 1, offset: 0, shape: [Int32.max, Int32.max], strides: [0, 0])
        }
        p.stop()
        let path = try TorchFileFixture.write(pickle: p, storages: [("0", SafetensorsFixture.f32([1]))])
        assertGNNError("a tensor of size [2147483647, 2147483647], stride [0, 0] has 4611686014132420609 elements but its storage 0 holds 1: it repeats elements; save tensor.contiguous()") {
            try StateDict(path: path)
        }
    }

    /// A small stride-0 view (what `expand` saves) within its storage's size still reads.
    func testStrideZeroViewWithinItsStorageReads() throws {
        var p = PickleProgram()
        p.orderedDict { p in
            p.string("w"); p.tensor("FloatStorage", key: "0", count: 2, offset: 1, shape: [2], strides: [0])
        }
        p.stop()
        let path = try TorchFileFixture.write(pickle: p, storages: [("0", SafetensorsFixture.f32([1, 7]))])
        XCTAssertEqual(try StateDict(path: path).tensors[0].floats(), [7, 7])
    }

    /// Found by a release fuzz run of the pt target, which stopped with "Too many open files" after
    /// 184,786 inputs (RSS 366 MB): each tensor's loader held its checkpoint, which holds the tensors, so a
    /// checkpoint with a tensor was never freed, nor its archive's file descriptor or extracted storages.
    func testCheckpointIsFreedWhileItsTensorsStillLoad() throws {
        var p = PickleProgram()
        p.orderedDict { p in
            p.string("w"); p.tensor("FloatStorage", key: "0", count: 2, offset: 0, shape: [2], strides: [1])
        }
        p.stop()
        let path = try TorchFileFixture.write(pickle: p, storages: [("0", SafetensorsFixture.f32([1, 7]))])
        weak var released: TorchCheckpoint?
        var tensors: [ImportedTensor] = []
        do {
            let checkpoint = try TorchCheckpoint(path: path)
            released = checkpoint
            tensors = checkpoint.tensors
        }
        XCTAssertNil(released)
        XCTAssertEqual(try tensors[0].floats(), [1, 7])
        func openDescriptors() throws -> Int { try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count }
        let before = try openDescriptors()
        for _ in 0..<64 { XCTAssertEqual(try TorchCheckpoint(path: path).tensors[0].floats(), [1, 7]) }
        XCTAssertEqual(try openDescriptors(), before)
    }
}

/// Keys that would make every SETITEM hash kilobytes.
final class HostileCheckpointKeyTests: XCTestCase {
    func testDictKeyLongerThan4096BytesIsRefused() throws {
        var p = PickleProgram()
        p.orderedDict { p in
            p.string(String(repeating: "k", count: 4097))
            p.tensor("FloatStorage", key: "0", count: 1, offset: 0, shape: [1], strides: [1])
        }
        p.stop()
        let path = try TorchFileFixture.write(pickle: p, storages: [("0", SafetensorsFixture.f32([1]))])
        assertGNNError("a dict key is 4097 bytes long; a state_dict's keys are names of at most 4096 bytes") { try StateDict(path: path) }
    }

    /// Found by a release build of the fuzzer (scripts/fuzz.sh): ZIP64 fields with offsets beyond 2^63.
    /// ZIPFoundation, our zip reader then, converted one to off_t and trapped; `ZipDirectory` checks every
    /// offset against the file's length first.
    func testZip64OffsetBeyondTheFileIsRefused() {
        let path = Fixtures.fuzzFindings + "/pt-zip64-offset-beyond-int64.pt"
        assertGNNError("is not a readable PyTorch .pt (zip) archive: its central directory (1552 bytes at 13690942867206314872) lies beyond the file's 8682 bytes") {
            try TorchCheckpoint(path: path)
        }
    }
}
