import Foundation
import GNNFormats
import TestSupport
import XCTest

final class GraphFileTests: XCTestCase {
    func testRoundTripReadsBackWhatWasWritten() throws {
        let path = try TinyGraph.write()
        let graph = try GraphFile(path: path)
        XCTAssertEqual(graph.nodeCount, 3)
        XCTAssertEqual(graph.edgeCount, 3)
        XCTAssertEqual(Array(graph.rowOffsets), TinyGraph.offsets)
        XCTAssertEqual((0..<3).map { graph.sources[$0] }, [0, 2, 1])
        var features = [Float](repeating: 0, count: 6)
        graph.nodeFeatures.copyRows(0..<3, into: &features)
        XCTAssertEqual(features, TinyGraph.features)
        XCTAssertEqual(Array(graph.labels!), TinyGraph.labels)
        XCTAssertTrue(graph.features.contains(.sortedRows))
        let report = try graph.verifyStructure()
        XCTAssertEqual(report.isolatedNodes, 1)
        XCTAssertEqual(report.maxInDegree, 2)
        XCTAssertEqual(report.selfLoops, 0)
        try graph.verifyChecksums()
    }

    /// The layout follows the spec by hand: 4 sections → table ends at 128 + 4·80 = 448, first section at 4096,
    /// offsets (32 bytes) → next at 8192, sources (12 bytes) → 12288, features (24 bytes) → 16384, labels (12) end at 16396.
    func testLayoutMatchesTheSpecification() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try TinyGraph.write())))
        XCTAssertEqual(Array(bytes[0..<8]), [0x89, 0x47, 0x4E, 0x4E, 0x47, 0x0D, 0x0A, 0x1A])
        XCTAssertEqual(Array(bytes[8..<12]), [0x0D, 0x0C, 0x0B, 0x0A])
        XCTAssertEqual(load(UInt16.self, at: 12, in: bytes), 1)
        XCTAssertEqual(load(UInt64.self, at: 32, in: bytes), 3)
        XCTAssertEqual(load(UInt32.self, at: 48, in: bytes), 4)
        XCTAssertEqual(load(UInt32.self, at: 52, in: bytes), 80)
        XCTAssertEqual(load(UInt64.self, at: 72, in: bytes), 16396)
        XCTAssertEqual(bytes.count, 16396)
        XCTAssertEqual(String(decoding: bytes[128..<139], as: UTF8.self), "csr.offsets")
        XCTAssertEqual((0..<4).map { load(UInt64.self, at: 128 + $0 * 80 + 48, in: bytes) }, [4096, 8192, 12288, 16384])
        XCTAssertEqual(load(UInt64.self, at: 4096 + 16, in: bytes), 2)
        XCTAssertTrue(bytes[448..<4096].allSatisfy { $0 == 0 })
    }

    func testTruncationAtEveryOffsetIsACleanError() throws {
        let path = try TinyGraph.write()
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        assertEveryTruncationIsRejected(bytes, at: temporaryPath("cut.bin")) { try GraphFile(path: $0) }
    }

    func testEveryFlippedHeaderOrTableByteIsACleanError() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try TinyGraph.write())))
        assertEveryFlipIsRejected(bytes, offsets: 0..<(128 + 4 * 80), mask: 0x5A, at: temporaryPath("flip.bin")) {
            try GraphFile(path: $0)
        }
    }

    func testFlippedDataByteLoadsButFailsChecksumVerification() throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try TinyGraph.write())))
        bytes[12288 + 5] ^= 0x01   // a byte of node.features
        let damaged = temporaryPath("data.bin")
        writeBytes(bytes, to: damaged)
        let graph = try GraphFile(path: damaged)
        assertGNNError("section \"node.features\" checksum mismatch") { try graph.verifyChecksums() }
    }

    func testWrongMagicNamesWhatTheFileIs() throws {
        let path = temporaryPath("x.bin")
        writeBytes(Array("PK\u{3}\u{4}rest of a zip archive".utf8), to: path)
        assertGNNError("zip archive") { try GraphFile(path: path) }
        writeBytes(Array("hello, world, this is text".utf8), to: path)
        assertGNNError("not a gnn-serve graph or model file") { try GraphFile(path: path) }
        writeBytes([], to: path)
        assertGNNError("empty") { try GraphFile(path: path) }
    }

    func testByteSwappedFileIsRecognised() throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try TinyGraph.write())))
        bytes[8..<12] = [0x0A, 0x0B, 0x0C, 0x0D]
        let path = temporaryPath("swapped.bin")
        writeBytes(bytes, to: path)
        assertGNNError("byte-swapped") { try GraphFile(path: path) }
    }

    func testNewerMajorVersionIsRefusedNamingBothVersions() throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try TinyGraph.write())))
        store(UInt16(2), at: 12, in: &bytes)
        resealGraph(&bytes)
        let path = temporaryPath("v2.bin")
        writeBytes(bytes, to: path)
        assertGNNError("version 2.4, newer than this reader's 1.4") { try GraphFile(path: path) }
    }

    func testNewerMinorVersionAndUnknownOptionalBitsAreAccepted() throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try TinyGraph.write())))
        store(UInt16(7), at: 14, in: &bytes)
        store(UInt64(1) << 40, at: 24, in: &bytes)
        resealGraph(&bytes)
        let path = temporaryPath("minor.bin")
        writeBytes(bytes, to: path)
        XCTAssertEqual(try GraphFile(path: path).preamble.version, FormatVersion(major: 1, minor: 7))
    }

    func testUnknownRequiredFeatureBitIsRefused() throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try TinyGraph.write())))
        store(UInt64(1) << 3, at: 16, in: &bytes)
        resealGraph(&bytes)
        let path = temporaryPath("req.bin")
        writeBytes(bytes, to: path)
        assertGNNError("required bits 0x8") { try GraphFile(path: path) }
    }

    func testUnknownSectionIsIgnored() throws {
        let path = try TinyGraph.write { $0.add(named: "x.future", dtype: .uint8, shape: [5]) { try $0.write([1, 2, 3, 4, 5] as [UInt8]) } }
        let graph = try GraphFile(path: path)
        XCTAssertEqual(graph.sections.count, 5)
        try graph.verifyStructure()
    }

    func testOverflowingShapeIsACleanError() throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try TinyGraph.write())))
        let features = 128 + 2 * 80   // node.features entry
        store(UInt64(1) << 62, at: features + 32, in: &bytes)
        store(UInt64(1) << 62, at: features + 40, in: &bytes)
        resealGraph(&bytes)
        let path = temporaryPath("overflow.bin")
        writeBytes(bytes, to: path)
        assertGNNError("overflows 64 bits") { try GraphFile(path: path) }
    }

    func testFeatureRowCountMustMatchNodeCount() throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try TinyGraph.write())))
        let features = 128 + 2 * 80
        store(UInt64(2), at: features + 32, in: &bytes)   // 2 rows × 3 columns: same length, wrong rows
        store(UInt64(3), at: features + 40, in: &bytes)
        resealGraph(&bytes)
        let path = temporaryPath("rows.bin")
        writeBytes(bytes, to: path)
        assertGNNError("section \"node.features\" has 2 rows, expected 3") { try GraphFile(path: path) }
    }

    func testSourceIndexOutOfRangeFailsStructureCheck() throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try TinyGraph.write())))
        store(UInt32(3), at: 8192 + 4, in: &bytes)
        let path = temporaryPath("index.bin")
        writeBytes(bytes, to: path)
        let graph = try GraphFile(path: path)   // opening does not read the arrays
        assertGNNError("csr.sources[1] is 3, not below the node count 3") { try graph.verifyStructure() }
    }

    /// node.order must be a permutation: the file maps rows to input ids and back.
    func testNodeOrderMapsRowsToInputIdsAndMustBeAPermutation() throws {
        let good = try TinyGraph.write { $0.add(.nodeOrder, dtype: .uint32, shape: [3]) { try $0.write([UInt32(2), 0, 1]) } }
        let graph = try GraphFile(path: good)
        try graph.verifyStructure()
        XCTAssertEqual(graph.preamble.requiredFeatures, 1)
        XCTAssertEqual(try GraphFile(path: TinyGraph.write()).preamble.requiredFeatures, 0)
        let numbering = try NodeNumbering(graph)
        XCTAssertEqual((0..<3).map(numbering.inputID(ofRow:)), [2, 0, 1])
        XCTAssertEqual((0..<3).map(numbering.row(ofInputID:)), [1, 2, 0])
        XCTAssertTrue(try NodeNumbering(GraphFile(path: TinyGraph.write())).isIdentity)

        let repeated = try TinyGraph.write { $0.add(.nodeOrder, dtype: .uint32, shape: [3]) { try $0.write([UInt32(2), 0, 2]) } }
        assertGNNError("node.order holds input node 2 twice (rows 0 and 2)") { try GraphFile(path: repeated).verifyStructure() }
        let outside = try TinyGraph.write { $0.add(.nodeOrder, dtype: .uint64, shape: [3]) { try $0.write([UInt64(0), 3, 1]) } }
        assertGNNError("node.order[1] is 3, not below the node count 3") { try GraphFile(path: outside).verifyStructure() }

        // The bit and the section go together: a 1.0 reader refuses the bit, so ids are never misread.
        var bytes = [UInt8](FileManager.default.contents(atPath: try TinyGraph.write())!)
        bytes[16] = 1
        resealGraph(&bytes)
        let bitOnly = temporaryPath("bit.bin")
        writeBytes(bytes, to: bitOnly)
        assertGNNError("sets required bit 0 (reordered rows) but has no node.order section") { try GraphFile(path: bitOnly) }
        bytes = [UInt8](FileManager.default.contents(atPath: good)!)
        bytes[16] = 0
        resealGraph(&bytes)
        let sectionOnly = temporaryPath("section.bin")
        writeBytes(bytes, to: sectionOnly)
        assertGNNError("has a node.order section without required bit 0") { try GraphFile(path: sectionOnly) }
    }

    func testDecreasingOffsetsFailStructureCheck() throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try TinyGraph.write())))
        store(UInt64(3), at: 4096 + 8, in: &bytes)   // offsets become 0, 3, 2, 3
        let path = temporaryPath("offsets.bin")
        writeBytes(bytes, to: path)
        assertGNNError("csr.offsets decreases at node 1") { try GraphFile(path: path).verifyStructure() }
    }

    func testEmptyGraphIsRefused() throws {
        let path = temporaryPath("empty.bin")
        var writer = GraphFileWriter(nodeCount: 0, edgeCount: 0)
        writer.add(.rowOffsets, dtype: .uint64, shape: [1]) { try $0.write([0] as [UInt64]) }
        writer.add(.sources, dtype: .uint32, shape: [0]) { _ in }
        writer.add(.nodeFeatures, dtype: .float32, shape: [0, 4]) { _ in }
        try writer.write(to: path)
        assertGNNError("the graph has no nodes") { try GraphFile(path: path) }
    }

    func testNonFiniteFeaturesAreCountedNotRejected() throws {
        let path = temporaryPath("nan.bin")
        var writer = GraphFileWriter(nodeCount: 2, edgeCount: 0)
        writer.add(.rowOffsets, dtype: .uint64, shape: [3]) { try $0.write([0, 0, 0] as [UInt64]) }
        writer.add(.sources, dtype: .uint32, shape: [0]) { _ in }
        writer.add(.nodeFeatures, dtype: .float32, shape: [2, 2]) { try $0.write([1, .nan, .infinity, 2] as [Float]) }
        try writer.write(to: path)
        let report = try GraphFile(path: path).verifyStructure()
        XCTAssertEqual(report.nonFiniteNodeFeatures, 2)
        XCTAssertEqual(report.isolatedNodes, 2)
    }

    func testMissingFileAndDirectoryGiveClearErrors() {
        assertGNNError("No such file or directory") { try GraphFile(path: "/nonexistent/graph.bin") }
        assertGNNError("is a directory") { try GraphFile(path: NSTemporaryDirectory()) }
    }

    func testModelFilePassedAsGraphIsNamed() throws {
        let path = try ModelFixture.write()
        assertGNNError("is a model file where a graph file was expected") { try GraphFile(path: path) }
    }
}
