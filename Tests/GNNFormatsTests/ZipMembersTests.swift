import Foundation
import GNNFormats
import TestSupport
import XCTest

/// The zip reader on archives built here byte by byte: what numpy and torch write reads back; damaged or
/// ambiguous archives are refused with the reason.
final class ZipMembersTests: XCTestCase {
    private func archive(_ members: [(String, [UInt8])], patch: (inout [UInt8]) -> Void = { _ in }) throws -> String {
        var writer = ZipWriter()
        for (name, bytes) in members { writer.add(name, bytes) }
        var bytes = try writer.bytes()
        patch(&bytes)
        let path = temporaryPath("archive.zip")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Offset of the central directory entry of the first member (after its local header, name and data).
    private func directoryEntry(_ bytes: [UInt8]) -> Int {
        let end = bytes.count - 22
        return Int(bytes[end + 16]) | Int(bytes[end + 17]) << 8 | Int(bytes[end + 18]) << 16 | Int(bytes[end + 19]) << 24
    }

    func testStoredMembersReadBackWithPrefixAndSize() throws {
        let data = (0..<1000).map { UInt8($0 % 251) }
        let zip = try ZipMembers(path: try archive([("a.npy", data), ("b/c.bin", [1, 2, 3])]), kind: "test", fix: "")
        XCTAssertEqual(zip.names, ["a.npy", "b/c.bin"])
        XCTAssertEqual(zip.declaredSize("a.npy"), 1000)
        XCTAssertEqual(try zip.prefix("a.npy", 10), Array(data[..<10]))
        XCTAssertEqual(try zip.prefix("b/c.bin", 10), [1, 2, 3])
        let extracted = try XCTUnwrap(try zip.extract("a.npy"))
        withExtendedLifetime(extracted) { XCTAssertEqual(Array(extracted.bytes), data) }
        XCTAssertNil(try zip.extract("missing"))
        assertGNNError("claims 1000 bytes, more than the 999 allowed") { try zip.extract("a.npy", limit: 999) }
    }

    func testSymbolicLinkMemberIsRefused() throws {
        let path = try archive([("x.npy", [0])]) { bytes in
            let entry = self.directoryEntry(bytes)
            bytes[entry + 5] = 3                      // made on Unix
            bytes[entry + 40] = 0xFF; bytes[entry + 41] = 0xA1   // mode 0o120777 in the high half
        }
        assertGNNError("member x.npy is marked as a symbolic link") { try ZipMembers(path: path, kind: "test", fix: "") }
    }

    func testDamagedArchivesAreRefusedWithTheirReason() throws {
        let good = try archive([("x.npy", [1, 2, 3, 4])])
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: good)))
        func refused(_ patch: (inout [UInt8]) -> Void, _ message: String, line: UInt = #line) throws {
            var damaged = bytes
            patch(&damaged)
            let path = temporaryPath("damaged.zip")
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            assertGNNError(message, line: line) { try ZipMembers(path: path, kind: "test", fix: "").extract("x.npy") }
        }
        try refused({ $0.removeLast(1) }, "has no end-of-central-directory record")
        try refused({ $0 = Array($0[..<10]) }, "is 10 bytes, too short for a zip archive")
        try refused({ $0[$0.count - 22 + 16] = 0xFF }, "its central directory (")
        try refused({ $0[$0.count - 22 + 10] = 9; $0[$0.count - 22 + 8] = 9 }, "claims 9 members, more than its")
        try refused({ $0[self.directoryEntry($0) + 10] = 12 }, "uses compression method 12")
        try refused({ $0[self.directoryEntry($0) + 42] = 0xF0 }, "local header lies beyond the file's end")
        try refused({ $0[self.directoryEntry($0) + 20] = 9 }, "is stored with 9 bytes but declares 4")
        try refused({ $0[30 + 5] ^= 0xFF }, "member x.npy fails its CRC-32 check")
    }
}
