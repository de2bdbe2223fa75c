import Foundation
import TestSupport
import XCTest

/// Runs the built `gnn-serve` as a user would and checks exit codes, stdout and the one-line errors.
final class CommandLineTests: XCTestCase {
    static let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("gnn-serve").path
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    @discardableResult
    static func run(_ arguments: [String]) throws -> Result {
        try Result.from(executable, arguments)
    }

    private func temporary(_ name: String) -> String {
        NSTemporaryDirectory() + "cli-\(UUID().uuidString)-\(name)"
    }

    private func assertOneLineError(_ result: Result, status: Int32, contains fragment: String,
                                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, status, result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "stderr: \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.contains(fragment), "stderr: \(result.stderr)", file: file, line: line)
        XCTAssertEqual(result.stdout, "", file: file, line: line)
    }

    func testPackThenInfoDescribesTheSample() throws {
        let output = temporary("csbm.bin")
        let pack = try Self.run(["pack", Self.repository + "/samples/csbm.npz", "-o", output])
        XCTAssertEqual(pack.status, 0, pack.stderr)
        XCTAssertTrue(pack.stderr.contains("packed 600 nodes, 4700 -> 4700 edges, 16 features per node"), pack.stderr)
        let info = try Self.run(["info", output, "--verify"])
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertTrue(info.stdout.contains("nodes        600"), info.stdout)
        XCTAssertTrue(info.stdout.contains("structure and checksums OK"), info.stdout)
        let json = try Self.run(["info", output, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["nodes"] as? Int, 600)
        XCTAssertEqual(object["edges"] as? Int, 4700)
        XCTAssertEqual(object["kind"] as? String, "graph")
    }

    func testPackReportsWhatItDidToEdges() throws {
        let result = try Self.run(["pack", Fixtures.graphs + "/small.npz", "-o", temporary("s.bin"),
                                   "--self-loops", "remove", "--duplicates", "remove"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("6 -> 4 edges"), result.stderr)
        XCTAssertTrue(result.stderr.contains("1 self loops in input (removed)"), result.stderr)
        XCTAssertTrue(result.stderr.contains("1 repeated edges removed"), result.stderr)
        XCTAssertTrue(try Self.run(["pack", Fixtures.graphs + "/small.npz", "-o", temporary("q.bin"), "--quiet"]).stderr.isEmpty)
    }

    func testBadFilesExitOneWithOneLine() throws {
        assertOneLineError(try Self.run(["info", "/nonexistent.bin"]), status: 1, contains: "No such file or directory")
        assertOneLineError(try Self.run(["info", Fixtures.graphs + "/small.npz"]), status: 1, contains: "zip archive")
        assertOneLineError(try Self.run(["pack", Fixtures.graphs + "/bad_index.npz", "-o", temporary("b.bin")]),
                           status: 1, contains: "edge 1 has source 7")
        assertOneLineError(try Self.run(["pack", Fixtures.graphs + "/not_ogb", "-o", temporary("b.bin")]),
                           status: 1, contains: "not in OGB's layout")
        let truncated = temporary("t.bin")
        XCTAssertEqual(try Self.run(["pack", Fixtures.graphs + "/small.npz", "-o", truncated]).status, 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: truncated))
        try bytes.prefix(5000).write(to: URL(fileURLWithPath: truncated))
        assertOneLineError(try Self.run(["info", truncated]), status: 1, contains: "truncated")
    }

    /// Like gnn-export, pack replaces an existing output only with --force.
    func testPackRefusesToOverwriteWithoutForce() throws {
        let output = temporary("o.bin")
        XCTAssertEqual(try Self.run(["pack", Fixtures.graphs + "/small.npz", "-o", output, "--quiet"]).status, 0)
        let again = try Self.run(["pack", Fixtures.graphs + "/small.npz", "-o", output, "--quiet"])
        XCTAssertEqual(again.stderr, "gnn-serve: error: \(output): already exists; choose another output path or pass --force\n")
        XCTAssertEqual(again.status, 1)
        XCTAssertEqual(try Self.run(["pack", Fixtures.graphs + "/small.npz", "-o", output, "--quiet", "--force"]).status, 0)
    }

    func testUsageErrorsExitTwoWithOneLine() throws {
        assertOneLineError(try Self.run(["pack"]), status: 2, contains: "Missing expected argument")
        assertOneLineError(try Self.run(["pack", "x.npz", "-o", "y.bin", "--feature-dtype", "f64"]), status: 2, contains: "--feature-dtype")
        assertOneLineError(try Self.run(["pack", "x.npz", "-o", "y.bin", "--self-loops", "sometimes"]), status: 2, contains: "sometimes")
        assertOneLineError(try Self.run(["frobnicate"]), status: 2, contains: "frobnicate")
    }

    func testHelpAndVersionExitZero() throws {
        let help = try Self.run(["pack", "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("--self-loops"))
        XCTAssertEqual(try Self.run(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines), "0.1.0")
    }

    /// A pack stopped by SIGTERM midway leaves neither the output nor its temporary file.
    func testInterruptedPackLeavesNoFile() throws {
        let directory = temporary("interrupt")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let edges = directory + "/edges.csv"
        var text = ""
        text.reserveCapacity(20_000_000)
        for i in 0..<2_000_000 { text += "\(i % 1000),\((i * 7) % 1000)\n" }
        try text.write(toFile: edges, atomically: false, encoding: .utf8)
        let output = directory + "/out.bin"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["pack", edges, "--features", Fixtures.graphs + "/features1000.npy", "-o", output]
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until the output is open (parsing is done and writing has begun), then stop it. The output is
        // a nameless file in the directory (O_TMPFILE), seen only among the process's descriptors.
        let deadline = Date().addingTimeInterval(60)
        var sawTemporary = false
        let descriptors = "/proc/\(process.processIdentifier)/fd"
        while process.isRunning && Date() < deadline {
            let targets = ((try? FileManager.default.contentsOfDirectory(atPath: descriptors)) ?? []).compactMap {
                try? FileManager.default.destinationOfSymbolicLink(atPath: descriptors + "/" + $0)
            }
            if targets.contains(where: { $0.hasPrefix(directory + "/#") || $0.hasPrefix(directory + "/.out.bin.tmp-") }) {
                sawTemporary = true
                break
            }
            usleep(200)
        }
        process.terminate()
        process.waitUntilExit()
        XCTAssertTrue(sawTemporary, "pack finished before it could be interrupted; make the input larger")
        XCTAssertEqual(process.terminationStatus, 128 + SIGTERM)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["edges.csv"])
    }
}
