import Foundation
import GNNFormats
import TestSupport
import XCTest

/// Outputs appear whole or not at all, never as a leftover temporary file, and a device node or FIFO
/// given as the output is written into, not replaced.
final class AtomicOutputFileTests: XCTestCase {
    private func names(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    /// Until `commit()` the bytes have no name in the directory: a SIGKILL at any moment before leaves
    /// nothing behind (the kernel frees a nameless file with its descriptor).
    func testUncommittedOutputHasNoNameAndCommittedOneHasItsBytes() throws {
        let path = temporaryPath("out.bin")
        let directory = (path as NSString).deletingLastPathComponent
        do {
            let output = try AtomicOutputFile(path: path)
            try output.write([1, 2, 3], at: 0)
            XCTAssertEqual(try names(in: directory), [])
            try output.commit()
        }
        XCTAssertEqual(try names(in: directory), ["out.bin"])
        XCTAssertEqual(try Data(contentsOf: URL(filePath: path)), Data([1, 2, 3]))
        do {
            let output = try AtomicOutputFile(path: path)
            try output.write([9], at: 0)
            XCTAssertEqual(try Data(contentsOf: URL(filePath: path)), Data([1, 2, 3]))
        }
        // Dropped without commit: the old file is untouched and nothing else appeared.
        XCTAssertEqual(try names(in: directory), ["out.bin"])
        XCTAssertEqual(try Data(contentsOf: URL(filePath: path)), Data([1, 2, 3]))
    }

    /// The named staging (the fallback where the file system has no `O_TMPFILE`, and always for a sharded
    /// run's shared output): a hidden file beside the destination, created exclusively, never through a
    /// symlink; renamed over the destination on commit and removed when dropped.
    func testNamedStagingIsExclusiveAndLeavesNothingBehind() throws {
        let path = temporaryPath("shared.bin")
        let directory = (path as NSString).deletingLastPathComponent
        do {
            let output = try AtomicOutputFile(path: path, shared: true)
            let staged = try XCTUnwrap(output.temporaryPath)
            XCTAssertEqual((staged as NSString).deletingLastPathComponent, directory)
            XCTAssertTrue((staged as NSString).lastPathComponent.hasPrefix(".shared.bin.tmp-"), staged)
            var status = stat()
            XCTAssertEqual(lstat(staged, &status), 0)
            XCTAssertEqual(status.st_mode & S_IFMT, S_IFREG, "a regular file, not a link")
            try output.write([4, 5], at: 0)
            XCTAssertEqual(try names(in: directory), [(staged as NSString).lastPathComponent])
        }
        XCTAssertEqual(try names(in: directory), [], "dropped without commit: the staged file is removed")
        do {
            let output = try AtomicOutputFile(path: path, shared: true)
            try output.write([4, 5], at: 0)
            try output.commit()
        }
        XCTAssertEqual(try names(in: directory), ["shared.bin"])
        XCTAssertEqual(try Data(contentsOf: URL(filePath: path)), Data([4, 5]))
        do {   // over an existing file: renamed over it
            let output = try AtomicOutputFile(path: path, shared: true)
            try output.write([6], at: 0)
            try output.commit()
        }
        XCTAssertEqual(try names(in: directory), ["shared.bin"])
        XCTAssertEqual(try Data(contentsOf: URL(filePath: path)), Data([6]))
    }

    /// A FIFO stays a FIFO and its reader gets the bytes in order.
    func testFIFOIsWrittenIntoNotReplaced() throws {
        let path = temporaryPath("pipe")
        XCTAssertEqual(mkfifo(path, 0o600), 0)
        let received = ReceivedBytes(), done = DispatchSemaphore(value: 0)
        let reader = Thread {
            // Plain reads to the end: Foundation reads as many bytes as the FIFO's size, 0.
            let fd = open(path, O_RDONLY)
            var data = Data(), chunk = [UInt8](repeating: 0, count: 64)
            while case let n = read(fd, &chunk, chunk.count), n > 0 { data.append(contentsOf: chunk[..<n]) }
            close(fd)
            received.data = data
            done.signal()
        }
        reader.start()
        let output = try AtomicOutputFile(path: path, overwrite: false)
        try output.write([7, 8], at: 2)
        try output.write([5, 6], at: 0)
        try output.commit()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(received.data, Data([5, 6, 7, 8]))
        var status = stat()
        XCTAssertEqual(lstat(path, &status), 0)
        XCTAssertEqual(status.st_mode & S_IFMT, S_IFIFO)
    }

    /// `/dev/null` (writable by every user) stays a character device.
    func testDeviceNodeStaysADeviceNode() throws {
        let output = try AtomicOutputFile(path: "/dev/null", overwrite: false)
        try output.write([UInt8](repeating: 1, count: 100), at: 0)
        try output.setLength(200)
        try output.commit()
        var status = stat()
        XCTAssertEqual(stat("/dev/null", &status), 0)
        XCTAssertEqual(status.st_mode & S_IFMT, S_IFCHR)
    }

    func testEmptyPathAndDirectoryAreRefusedWithTheirReason() {
        assertGNNError("the output path is empty; give a file name, for example -o out.bin") { try AtomicOutputFile(path: "") }
        let directory = (temporaryPath("x") as NSString).deletingLastPathComponent
        assertGNNError("\(directory): is a directory; give a file name inside it, for example \(directory)/out.bin") {
            try AtomicOutputFile(path: directory)
        }
    }
}

/// The FIFO reader's result, handed from its thread (read only after its semaphore is signalled).
private final class ReceivedBytes: @unchecked Sendable {
    var data: Data?
}
