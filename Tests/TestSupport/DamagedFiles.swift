import Foundation
import XCTest

/// Writes every proper prefix of `bytes` to `path` and asserts that `open` rejects each with a one-line
/// `GNNError` naming the file.
public func assertEveryTruncationIsRejected(_ bytes: [UInt8], at path: String, file: StaticString = #filePath,
                                           line: UInt = #line, open: (String) throws -> Any) {
    for length in 0..<bytes.count {
        FileManager.default.createFile(atPath: path, contents: Data(bytes[0..<length]))
        assertGNNError(path, file: file, line: line) { try open(path) }
    }
}

/// For each offset, writes `bytes` with that byte XOR-ed with `mask` to `path` and asserts that `open`
/// rejects it with a one-line `GNNError` naming the file.
public func assertEveryFlipIsRejected(_ bytes: [UInt8], offsets: Range<Int>, mask: UInt8, at path: String,
                                      file: StaticString = #filePath, line: UInt = #line, open: (String) throws -> Any) {
    for offset in offsets {
        var copy = bytes
        copy[offset] ^= mask
        FileManager.default.createFile(atPath: path, contents: Data(copy))
        assertGNNError(path, file: file, line: line) { try open(path) }
    }
}
