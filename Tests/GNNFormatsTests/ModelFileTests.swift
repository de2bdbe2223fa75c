import Foundation
import GNNFormats
import TestSupport
import XCTest

/// A tiny weight-tied model with hand-picked values.
enum ModelFixture {
    static let architecture: ModelArchitecture = {
        ModelArchitecture(family: .wtRevgnn, layers: 100, groups: 2, inputChannels: 3, hiddenChannels: 4,
                          outputChannels: 2, task: .multiClass, norm: .layer, conv: .sage(SAGEOptions()))
    }()

    static let metadata = ModelMetadata(architecture: architecture, name: "tiny", producer: "tests",
                                        createdAt: "2026-11-24T00:00:00Z", sourceFramework: "hand-written",
                                        training: ["dataset": "none"], classNames: ["a", "b"])

    /// lin1.weight [4, 3], one tied conv weight [2, 2] referenced by two names, a buffer [2].
    static func write(dtype: DType = .float32, path: String = temporaryPath("model.gnnz")) throws -> String {
        var writer = ModelFileWriter(metadata: metadata)
        try writer.add("lin1.weight", shape: [4, 3], values: (0..<12).map { Float($0) * 0.1 }, dtype: dtype)
        try writer.add("conv.weight", shape: [2, 2], values: [1, -2.5, 0.1, 1.00390625], dtype: dtype)
        try writer.addAlias("layers.1.conv.weight", of: "conv.weight")
        try writer.add("norm.running_mean", shape: [2], values: [0.5, 0.25], dtype: dtype, isBuffer: true)
        try writer.add("zeros", shape: [1024], values: [Float](repeating: 0, count: 1024), dtype: dtype)
        try writer.write(to: path)
        return path
    }
}

final class ModelFileTests: XCTestCase {
    func testRoundTripKeepsMetadataAndValues() throws {
        let model = try ModelFile(path: try ModelFixture.write())
        XCTAssertEqual(model.metadata.architecture, ModelFixture.architecture)
        XCTAssertEqual(model.metadata.classNames, ["a", "b"])
        // 12 + 4 + 1024 learned values; the alias and the buffer are not counted.
        XCTAssertEqual(model.metadata.parameterCount, 1040)
        XCTAssertEqual(try model.floats("conv.weight"), [1, -2.5, 0.1, 1.00390625])
        XCTAssertEqual(try model.floats("layers.1.conv.weight"), [1, -2.5, 0.1, 1.00390625])
        XCTAssertEqual(try model.floats("lin1.weight")[11], Float(11) * 0.1)
        XCTAssertEqual(model.tensor(named: "layers.1.conv.weight")?.encoding, .alias)
        XCTAssertEqual(model.tensor(named: "zeros")?.encoding, .shuffledZstd, "1024 zeros must compress")
        XCTAssertLessThan(model.tensor(named: "zeros")!.storedLength, 100)
        XCTAssertEqual(model.tensor(named: "norm.running_mean")?.isBuffer, true)
        try model.verify()
    }

    /// f16 and bf16 values, computed by hand: 0.1 is 0x2E66 in f16 (0.0999755859375) and rounds up to
    /// 0x3DCD in bf16 (0.10009765625); 1.00390625 (0x3F808000) is a bf16 tie and rounds to even, 1.0.
    func testHalfPrecisionStorageRoundsAsPyTorchDoes() throws {
        let f16 = try ModelFile(path: try ModelFixture.write(dtype: .float16))
        XCTAssertEqual(try f16.floats("conv.weight"), [1, -2.5, 0.0999755859375, 1.00390625])
        let bf16 = try ModelFile(path: try ModelFixture.write(dtype: .bfloat16))
        XCTAssertEqual(try bf16.floats("conv.weight"), [1, -2.5, 0.10009765625, 1.0])
        XCTAssertEqual(bf16.tensor(named: "conv.weight")?.rawLength, 8)
    }

    func testWeightTiedModelDoesNotGrowWithAliases() throws {
        var small = ModelFileWriter(metadata: ModelFixture.metadata)
        var large = ModelFileWriter(metadata: ModelFixture.metadata)
        let weights = (0..<4096).map { sin(Float($0)) }
        try small.add("w", shape: [64, 64], values: weights)
        try large.add("w", shape: [64, 64], values: weights)
        for layer in 1..<1000 { try large.addAlias("layers.\(layer).w", of: "w") }
        let smallSize = try small.write(to: temporaryPath("s.gnnz")).fileLength
        let largeSize = try large.write(to: temporaryPath("l.gnnz")).fileLength
        // Each alias costs one 88-byte table entry plus its name, never its 16 KiB of data.
        XCTAssertLessThan(largeSize - smallSize, 999 * (88 + 20))
    }

    func testTruncationAtEveryOffsetIsACleanError() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try ModelFixture.write())))
        assertEveryTruncationIsRejected(bytes, at: temporaryPath("cut.gnnz")) { try ModelFile(path: $0) }
    }

    func testEveryFlippedHeaderMetadataOrTableByteIsACleanError() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try ModelFixture.write())))
        let tableEnd = Int(load(UInt64.self, at: 64, in: bytes) + load(UInt64.self, at: 72, in: bytes))
        assertEveryFlipIsRejected(bytes, offsets: 0..<tableEnd, mask: 0x21, at: temporaryPath("flip.gnnz")) {
            try ModelFile(path: $0)
        }
    }

    func testEveryFlippedDataByteIsCaughtWhenDecoding() throws {
        let path = try ModelFixture.write()
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let model = try ModelFile(path: path)
        let damaged = temporaryPath("data.gnnz")
        for tensor in model.tensors where tensor.encoding != .alias {
            for offset in Int(tensor.offset)..<Int(tensor.offset + tensor.storedLength) {
                var copy = bytes
                copy[offset] ^= 0x01
                writeBytes(copy, to: damaged)
                let opened = try ModelFile(path: damaged)   // data is checked when decoded
                assertGNNError("tensor \"\(tensor.name)\" checksum mismatch") { try opened.floats(tensor.name) }
            }
        }
    }

    func testDamagedZstdFrameWithValidChecksumIsACleanError() throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try ModelFixture.write())))
        let path = temporaryPath("zstd.gnnz")
        writeBytes(bytes, to: path)
        let zeros = try ModelFile(path: path).tensor(named: "zeros")!
        let index = try ModelFile(path: path).tensors.firstIndex { $0.name == "zeros" }!
        bytes[Int(zeros.offset) + Int(zeros.storedLength) - 5] ^= 0xFF
        // Re-seal the tensor's own checksum so that only zstd can notice.
        let stored = Array(bytes[Int(zeros.offset)..<Int(zeros.offset + zeros.storedLength)])
        let entry = Int(load(UInt64.self, at: 64, in: bytes)) + index * 88
        store(Checksum.of(stored), at: entry + 72, in: &bytes)
        resealModel(&bytes)
        writeBytes(bytes, to: path)
        assertGNNError("tensor \"zeros\"") { try ModelFile(path: path).floats("zeros") }
    }

    func testNewerMajorAndUnknownRequiredBitAreRefused() throws {
        let original = Array(try Data(contentsOf: URL(fileURLWithPath: try ModelFixture.write())))
        let path = temporaryPath("v.gnnz")
        var bytes = original
        store(UInt16(3), at: 12, in: &bytes)
        resealModel(&bytes)
        writeBytes(bytes, to: path)
        assertGNNError("model format version 3.2, newer than this reader's 1.2") { try ModelFile(path: path) }
        bytes = original
        // Bit 0 (architecture parts, 1.1) is known; bit 1 is not.
        store(UInt64(0b11), at: 16, in: &bytes)
        resealModel(&bytes)
        writeBytes(bytes, to: path)
        assertGNNError("required bits 0x2") { try ModelFile(path: path) }
    }

    func testInvalidArchitectureIsRefused() throws {
        var metadata = ModelFixture.metadata
        metadata.architecture.groups = 3   // does not divide 4 hidden channels
        var writer = ModelFileWriter(metadata: metadata)
        try writer.add("w", shape: [1], values: [1])
        let path = temporaryPath("arch.gnnz")
        try writer.write(to: path)
        assertGNNError("at least 2 groups that divide hidden_channels") { try ModelFile(path: path) }
    }

    func testGraphFilePassedAsModelIsNamed() throws {
        let path = try TinyGraph.write()
        assertGNNError("is a graph file where a model file was expected") { try ModelFile(path: path) }
    }

    func testRefusesToOverwriteWithoutPermission() throws {
        let path = try ModelFixture.write()
        var writer = ModelFileWriter(metadata: ModelFixture.metadata)
        try writer.add("w", shape: [1], values: [1])
        assertGNNError("already exists") { try writer.write(to: path, overwrite: false) }
    }
}

/// Hostile tables found by reading the reader: each must be a clean error, never a trap.
final class HostileModelFileTests: XCTestCase {
    func testMetadataEndingAtEndOfFileIsACleanError() throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try ModelFixture.write())))
        let metadataEnd = 128 + Int(load(UInt64.self, at: 40, in: bytes))
        XCTAssertNotEqual(metadataEnd % 8, 0, "the fixture's metadata must end off an 8-byte boundary for this test")
        bytes = Array(bytes[0..<metadataEnd])
        store(UInt32(0), at: 56, in: &bytes)
        store(UInt64((metadataEnd + 7) / 8 * 8), at: 64, in: &bytes)
        store(UInt64(0), at: 72, in: &bytes)
        store(UInt64(metadataEnd), at: 88, in: &bytes)
        store(Checksum.of([UInt8]()), at: 80, in: &bytes)
        store(Checksum.of(Array(bytes[0..<120])), at: 120, in: &bytes)
        let path = temporaryPath("eof.gnnz")
        writeBytes(bytes, to: path)
        assertGNNError("does not fit in the file") { try ModelFile(path: path) }
    }

    /// The audit's trap: `UInt64(parameterCount)` of a negative count. A negative count in metadata with
    /// valid checksums is a clean error naming it.
    func testNegativeParameterCountIsACleanError() throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try ModelFixture.write())))
        let key = Array(#""parameter_count":"#.utf8)
        let start = (0..<bytes.count - key.count).first { Array(bytes[$0..<$0 + key.count]) == key }! + key.count
        let digits = bytes[start...].prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }.count
        XCTAssertGreaterThanOrEqual(digits, 2, "the fixture's count must have room for -1")
        // Same length: -1, then spaces (JSON whitespace), so that every offset stays valid.
        bytes.replaceSubrange(start..<start + digits, with: Array("-1".utf8) + [UInt8](repeating: UInt8(ascii: " "), count: digits - 2))
        resealModel(&bytes)
        let path = temporaryPath("count.gnnz")
        writeBytes(bytes, to: path)
        assertGNNError("metadata says -1 parameters but the tensors hold") { try ModelFile(path: path) }
    }

    func testElementCountBeyondMemoryIsACleanError() throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try ModelFixture.write())))
        let entry = Int(load(UInt64.self, at: 64, in: bytes)) + 4 * 88   // "zeros", shuffle+zstd
        bytes[entry + 6] = DType.uint8.rawValue
        bytes[entry + 7] = 2
        store(UInt64(1) << 32, at: entry + 8, in: &bytes)
        store((UInt64(1) << 32) - 1, at: entry + 16, in: &bytes)
        store((UInt64(1) << 32) * ((UInt64(1) << 32) - 1), at: entry + 64, in: &bytes)
        resealModel(&bytes)
        let path = temporaryPath("huge.gnnz")
        writeBytes(bytes, to: path)
        assertGNNError("more than this machine's memory") { try ModelFile(path: path) }
    }
}
