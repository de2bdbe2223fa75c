import Foundation
import GNNFormats
import GNNImport
import TestSupport
import XCTest

/// Containers that could be read two ways, or inflate beyond what they describe, are refused.
final class HostileContainerTests: XCTestCase {
    private func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "hostile-\(UUID().uuidString)-\(name)"
        try Data(bytes).write(to: URL(filePath: path))
        return path
    }

    /// An f32 array: a 128-byte header (this dict padded to a multiple of 64) and 4 bytes per value.
    private func npy(_ values: [Float]) -> [UInt8] {
        Npy.header(descr: "<f4", shape: [values.count]) + values.withUnsafeBytes(Array.init)
    }

    private func npy(int64 values: [Int64], shape: [Int]) -> [UInt8] {
        Npy.header(descr: "<i8", shape: shape) + values.withUnsafeBytes(Array.init)
    }

    func testNpyWithBytesAfterItsArrayIsRefused() throws {
        let path = try write(npy([1, 2]) + [0, 0, 0, 0], "trailing.npy")
        assertGNNError("\(path): has 4 bytes after its array (shape [2] needs 8 bytes of data); write the array alone with numpy.save or numpy.savez") {
            try NpzArchive.npyFile(path)
        }
    }

    /// The member declares 140 bytes, its header 128 + 8: refused before the member is extracted.
    func testNpzMemberLargerThanItsHeaderDescribesIsRefused() throws {
        var zip = ZipWriter()
        zip.add("x.npy", npy([1, 2]) + [0, 0, 0, 0])
        let path = try write(try zip.bytes(), "inflated.npz")
        assertGNNError("\(path): member x.npy declares 140 bytes but its .npy header describes 136 (shape [2]); write the archive again with numpy.savez") {
            try NpzArchive(path: path).array("x")
        }
    }

    func testNpzWithTwoMembersOfOneNameIsRefused() throws {
        var zip = ZipWriter()
        zip.add("x.npy", npy([1, 2]))
        zip.add("x.npy", npy([3, 4]))
        let path = try write(try zip.bytes(), "twice.npz")
        assertGNNError("\(path): has two members named x.npy; readers disagree on which one counts; write the archive again with one member per name") {
            try NpzArchive(path: path)
        }
    }

    /// 2^31 does not fit a 32-bit class id: said so, rather than "class ids are 0 or more".
    func testLabelBeyond32BitsIsNamedAsSuch() throws {
        var zip = ZipWriter()
        zip.add("x.npy", Npy.header(descr: "<f4", shape: [2, 1]) + [Float(1), 2].withUnsafeBytes(Array.init))
        zip.add("edge_index.npy", npy(int64: [0, 1], shape: [2, 1]))
        zip.add("y.npy", npy(int64: [0, 1 << 31], shape: [2]))
        let path = try write(try zip.bytes(), "labels.npz")
        assertGNNError("label of node 1 is 2147483648, which does not fit 32 bits; class ids run from 0 to 2147483647; number the classes from 0") {
            try GraphPacker.readInput(path, featuresPath: nil, progress: nil)
        }
    }

    func testOGBNodeCountThatDisagreesWithTheFeatureRowsIsRefused() throws {
        let directory = NSTemporaryDirectory() + "ogb-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/raw", withIntermediateDirectories: true)
        try "0,1\n1,2\n".write(toFile: directory + "/raw/edge.csv", atomically: false, encoding: .utf8)
        try "0.5\n1.5\n2.5\n".write(toFile: directory + "/raw/node-feat.csv", atomically: false, encoding: .utf8)
        try "-1\n".write(toFile: directory + "/raw/num-node-list.csv", atomically: false, encoding: .utf8)
        assertGNNError("\(directory)/raw/num-node-list.csv: gives -1 nodes but raw/node-feat.csv has 3 rows; make the node count equal the number of feature rows") {
            try GraphPacker.readInput(directory, featuresPath: nil, progress: nil)
        }
    }
}

/// Edge lists that would be read one way while meaning another are refused at the line that shows it.
final class StrictEdgeListTests: XCTestCase {
    private func read(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "edges-\(UUID().uuidString).csv"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        do {
            _ = try GraphPacker.readInput(path, featuresPath: Fixtures.graphs + "/features.npy", progress: nil)
            return "read"
        } catch let error as GNNError {
            return error.description.replacingOccurrences(of: path, with: "EDGES")
        }
    }

    func testThirdColumnMixedSeparatorsAndEmptyFilesAreRefused() throws {
        XCTAssertEqual(try read("# source,destination\n0,1\n1,2,0.5\n"),
                       "EDGES: line 3 has more than two columns; an edge list has two, source and destination (edge weights are not read); drop the other columns")
        XCTAssertEqual(try read("0,1\n1\t2\n"), "EDGES: line 2 separates its columns with tabs, line 1 with commas; use one separator throughout")
        XCTAssertEqual(try read("# only a comment\n\n"),
                       "EDGES: holds no edge line (it is empty, or only blank lines, comments and a header); give one \"source destination\" line per edge")
        XCTAssertEqual(try read(""), "EDGES: holds no edge line (it is empty, or only blank lines, comments and a header); give one \"source destination\" line per edge")
        XCTAssertEqual(try read("0 1\n1 2 2\n"), "EDGES: line 2 has more than two columns; an edge list has two, source and destination (edge weights are not read); drop the other columns")
        XCTAssertEqual(try read("0 1\n1 2\n"), "read")
    }
}

/// Inputs the fuzzer found (Tests/Fixtures/fuzz), each refused with one line.
final class FuzzFindingTests: XCTestCase {
    /// A member marked as a symbolic link whose local header claims 2^32 − 1 stored bytes: ZIPFoundation, our
    /// zip reader then, read a link's target in one allocation of that size (libFuzzer: out-of-memory,
    /// malloc(4294967295)). `ZipDirectory` refuses the archive at its directory, whose next entry's name is
    /// not UTF-8 (symbolic links are refused as such: `ZipMembersTests`).
    func testNpzWithAHostileDirectoryIsRefusedBeforeReading() {
        let path = Fixtures.fuzzFindings + "/npz-symlink-member.npz"
        assertGNNError("\(path): is not a readable .npz (zip) archive: member 2's name is not UTF-8") {
            try NpzGraphReader.read(path)
        }
    }

    /// Found by a release build of the fuzzer (an 11 s timeout): format version 1.10 (numpy reads 1.0, 2.0,
    /// 3.0 only), `fortran_order` neither True nor False, and a shape of 399,900,000,000,000,000 rows of 0
    /// columns written `(+00399900000000000000,,,,,,0)`, whose integers() looped over every empty row.
    func testNpyWithAVersionNumpyRefusesIsRefused() throws {
        let path = Fixtures.fuzzFindings + "/npy-version-1.10-empty-rows.npy"
        assertGNNError("uses .npy format version 1.10; numpy reads 1.0, 2.0 and 3.0") { try NpzArchive.npyFile(path) }
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[7] = 0
        let repaired = NSTemporaryDirectory() + "finding-\(UUID().uuidString)-version-1.0.npy"
        try Data(bytes).write(to: URL(fileURLWithPath: repaired))
        assertGNNError("fortran_order is neither True nor False") { try NpzArchive.npyFile(repaired) }
    }

    /// A shape entry Python's literal syntax refuses (a sign, a leading zero, an empty entry) is refused.
    func testNpyShapeEntriesArePlainDecimalIntegers() throws {
        for shape in ["(+3,)", "(03,)", "(3,,4)", "(,)"] {
            let header = "{'descr': '<i8', 'fortran_order': False, 'shape': \(shape), }"
            var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
            bytes += [UInt8](repeating: 0, count: 64)
            let path = NSTemporaryDirectory() + "finding-\(UUID().uuidString)-shape.npy"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            assertGNNError("shape entry") { try NpzArchive.npyFile(path) }
        }
    }

    /// An empty array of many rows (numpy allows shape (10**17, 0)) gives its no integers at once.
    func testEmptyArrayOfManyRowsHasNoIntegers() throws {
        let header = "{'descr': '<i8', 'fortran_order': False, 'shape': (100000000000000000, 0), }"
        let bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
        let path = NSTemporaryDirectory() + "finding-\(UUID().uuidString)-empty.npy"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try NpzArchive.npyFile(path).integers(), [])
    }
}
