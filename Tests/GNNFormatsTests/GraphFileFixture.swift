import Foundation
import GNNFormats
import TestSupport
import XCTest

/// A hand-made graph: 3 nodes, edges 0→1, 2→1, 1→2 (CSR by destination: row 0 empty, row 1 [0, 2], row 2 [1]).
enum TinyGraph {
    static let offsets: [UInt64] = [0, 0, 2, 3]
    static let sources: [UInt32] = [0, 2, 1]
    static let features: [Float] = [1, 2, 3, 4, 5, 6]
    static let labels: [Int32] = [0, 1, -1]

    /// Writes the graph to a fresh temporary path and returns the path. `rowOffsets`: other rows for the
    /// same three edges.
    static func write(rowOffsets: [UInt64] = offsets, extra: ((inout GraphFileWriter) -> Void)? = nil) throws -> String {
        let path = temporaryPath("tiny.bin")
        var writer = GraphFileWriter(nodeCount: 3, edgeCount: 3, features: [.sortedRows])
        writer.add(.rowOffsets, dtype: .uint64, shape: [4]) { try $0.write(rowOffsets) }
        writer.add(.sources, dtype: .uint32, shape: [3]) { try $0.write(sources) }
        writer.add(.nodeFeatures, dtype: .float32, shape: [3, 2]) { try $0.write(features) }
        writer.add(.labels, dtype: .int32, shape: [3]) { try $0.write(labels) }
        extra?(&writer)
        try writer.write(to: path)
        return path
    }
}

/// A path in a fresh temporary directory.
func temporaryPath(_ name: String) -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gnn-serve-tests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent(name).path
}

/// Edits a file's bytes, then re-seals the graph header and table checksums so that only the edit is wrong.
func resealGraph(_ bytes: inout [UInt8]) {
    let count = Int(bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 48, as: UInt32.self) })
    let table = Array(bytes[128..<128 + count * 80])
    store(Checksum.of(table), at: 64, in: &bytes)
    store(Checksum.of(Array(bytes[0..<120])), at: 120, in: &bytes)
}

/// Re-seals a model file's metadata, table and header checksums.
func resealModel(_ bytes: inout [UInt8]) {
    func field(_ offset: Int) -> Int { Int(bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }) }
    store(Checksum.of(Array(bytes[field(32)..<field(32) + field(40)])), at: 48, in: &bytes)
    store(Checksum.of(Array(bytes[field(64)..<field(64) + field(72)])), at: 80, in: &bytes)
    store(Checksum.of(Array(bytes[0..<120])), at: 120, in: &bytes)
}

func store<T: FixedWidthInteger>(_ value: T, at offset: Int, in bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { for (i, b) in $0.enumerated() { bytes[offset + i] = b } }
}

func load<T: FixedWidthInteger>(_: T.Type, at offset: Int, in bytes: [UInt8]) -> T {
    bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
}

func writeBytes(_ bytes: [UInt8], to path: String) {
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

