import Foundation

/// Safetensors files assembled byte by byte, so the tests need no Python.
enum SafetensorsFixture {
    /// The u64 little-endian header length, the header text, then `data`.
    static func bytes(header: String, data: [UInt8]) -> [UInt8] {
        littleEndian([UInt64(header.utf8.count)]) + Array(header.utf8) + data
    }

    /// Writes `bytes` to a fresh temporary path and returns it.
    static func write(_ bytes: [UInt8], name: String = "weights.safetensors") -> String {
        let path = temporaryPath(name)
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    /// Writes a file with `header` and `data`.
    static func write(header: String, data: [UInt8]) -> String {
        write(bytes(header: header, data: data))
    }

    /// One header entry: `"name": {"dtype": ..., "shape": ..., "data_offsets": [begin, end]}`.
    static func entry(_ name: String, _ dtype: String, _ shape: [Int], _ begin: Int, _ end: Int) -> String {
        "\"\(name)\": {\"dtype\": \"\(dtype)\", \"shape\": \(shape), \"data_offsets\": [\(begin), \(end)]}"
    }

    static func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.littleEndian, Array.init) }
    }

    static func f32(_ values: [Float]) -> [UInt8] { littleEndian(values.map(\.bitPattern)) }
    static func f64(_ values: [Double]) -> [UInt8] { littleEndian(values.map(\.bitPattern)) }
}

/// A path in a fresh temporary directory.
func temporaryPath(_ name: String) -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gnn-export-tests-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent(name).path
}
