import Foundation
import TestSupport
import XCTest

/// The tools on hostile or mistaken files and arguments: one bounded line and a non-zero status, and
/// outputs that appear whole or not at all.
final class HostileInputCommandTests: XCTestCase {
    typealias CLI = CommandLineTests

    private func folder() throws -> String {
        let path = NSTemporaryDirectory() + "hostile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Starts `executable`, kills it with SIGKILL after `delay`, and returns once it is gone.
    private func killed(_ executable: String, _ arguments: [String], after delay: Double) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        usleep(useconds_t(delay * 1_000_000))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Killed at any moment, pack and gnn-export leave either nothing or their whole output, never a
    /// temporary file.
    func testSIGKILLDuringPackAndExportLeavesNothingBehind() throws {
        let model = Fixtures.models + "/res_sage"
        for delay in [0.0, 0.02, 0.05, 0.1, 0.2, 0.4] {
            let packFolder = try folder(), exportFolder = try folder()
            try killed(CLI.executable, ["pack", CLI.repository + "/samples/csbm.npz", "-o", packFolder + "/out.bin"], after: delay)
            try killed(PredictCommandTests.exporter, ["--weights", model + "/weights.safetensors", "--arch", model + "/arch.json",
                                                      "-o", exportFolder + "/out.gnnz"], after: delay)
            for (directory, name) in [(packFolder, "out.bin"), (exportFolder, "out.gnnz")] {
                let left = try FileManager.default.contentsOfDirectory(atPath: directory)
                XCTAssertTrue(left == [] || left == [name], "after \(delay) s: \(left)")
                if left == [name] {
                    XCTAssertEqual(try CLI.run(["info", directory + "/" + name, "--verify"]).status, 0, "after \(delay) s")
                }
            }
        }
    }

    /// `-o FIFO` writes into the FIFO and leaves it a FIFO; `-o /dev/null` leaves a character device.
    func testOutputOntoAFIFOOrDeviceNodeWritesIntoIt() throws {
        let fifo = try folder() + "/pipe"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let received = DataBox(), done = DispatchSemaphore(value: 0)
        Thread {
            let fd = open(fifo, O_RDONLY)
            var data = Data(), chunk = [UInt8](repeating: 0, count: 1 << 16)
            while case let n = read(fd, &chunk, chunk.count), n > 0 { data.append(contentsOf: chunk[..<n]) }
            close(fd)
            received.data = data
            done.signal()
        }.start()
        let pack = try CLI.run(["pack", Fixtures.graphs + "/small.npz", "-o", fifo, "--quiet"])
        XCTAssertEqual(pack.status, 0, pack.stderr)
        XCTAssertEqual(done.wait(timeout: .now() + 20), .success)
        XCTAssertEqual(received.data.map { Array($0.prefix(8)) }, [0x89] + Array("GNNG\r\n".utf8) + [0x1A])  // the graph magic
        var status = stat()
        XCTAssertEqual(lstat(fifo, &status), 0)
        XCTAssertEqual(status.st_mode & S_IFMT, S_IFIFO)

        XCTAssertEqual(try CLI.run(["pack", Fixtures.graphs + "/small.npz", "-o", "/dev/null", "--quiet"]).status, 0)
        XCTAssertEqual(stat("/dev/null", &status), 0)
        XCTAssertEqual(status.st_mode & S_IFMT, S_IFCHR)
    }

    /// Each mistake gets its own first line, naming the value given.
    func testEachHostileArgumentGetsItsOwnMessage() throws {
        let fifo = try folder() + "/pipe"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let model = CLI.repository + "/samples/wt_revgen.gnnz", graph = CLI.repository + "/samples/csbm.bin"
        let cases: [([String], String)] = [
            (["predict", "--model", model, graph, "--tol", "-1"],
             "gnn-serve: usage error: --tol is -1.0; it must be a positive number (usage: gnn-serve predict [<options>] --model <model> <graph>)"),
            (["predict", "--model", model, graph, "--threads", "-1"],
             "gnn-serve: usage error: --threads must be at least 1 (usage: gnn-serve predict [<options>] --model <model> <graph>)"),
            (["predict", "--model", model, graph, "--nodes", NSTemporaryDirectory()],
             "gnn-serve: error: --nodes \(NSTemporaryDirectory()) is a directory, not a file of node ids; give a file with one node id per line"),
            (["predict", "--model", model, graph, "--nodes", "0..9223372036854775807"],
             "gnn-serve: error: --nodes 0..9223372036854775807: the end 9223372036854775807 is beyond the graph's 600 nodes (0..<600); end the range at 600 or less, or write 0.. to run to the last node"),
            (["pack", "/dev/zero", "-o", try folder() + "/x.bin"], "gnn-serve: error: /dev/zero: is a device, not a file; give a regular file"),
            (["pack", fifo, "-o", try folder() + "/x.bin"],
             "gnn-serve: error: \(fifo): is a pipe or socket, not a file that can be read in place; save the data to a file first"),
            (["info", "/proc/self/status"],
             "gnn-serve: error: /proc/self/status: is a kernel pseudo-file, which has no fixed size or content, not a data file; copy its content to a file first"),
            (["pack", Fixtures.graphs + "/small.npz", "-o", ""], "gnn-serve: error: the output path is empty; give a file name, for example -o out.bin"),
        ]
        for (arguments, expected) in cases {
            let result = try CLI.run(arguments)
            XCTAssertNotEqual(result.status, 0, arguments.joined(separator: " "))
            XCTAssertEqual(result.stderr.split(separator: "\n").first.map(String.init), expected)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        }
    }
}

/// The FIFO reader's bytes, read on the test thread only after its semaphore is signalled.
private final class DataBox: @unchecked Sendable {
    var data: Data?
}
