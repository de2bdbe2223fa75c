import Foundation
import TestSupport
import XCTest

/// `gnn-serve predict` and `info` on a DEQ-GNN exported from the model fixtures (make_deq_fixtures.py).
final class EquilibriumCommandTests: XCTestCase {
    typealias CLI = CommandLineTests
    static let fixture = Fixtures.models + "/deq"

    /// The deq_gcn fixture exported with gnn-export and its graph packed, once per process.
    static let files: (model: String, graph: String) = {
        let folder = NSTemporaryDirectory() + "deq-cli-\(getpid())"
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let model = folder + "/deq.gnnz", graph = folder + "/graph.bin"
        let export = try! CLI.Result.from(PredictCommandTests.exporter, [
            "--weights", fixture + "/deq_gcn/weights.safetensors", "--arch", fixture + "/deq_gcn/arch.json", "-o", model,
        ])
        precondition(export.status == 0, export.stderr)
        precondition(try! CLI.run(["pack", fixture + "/graph.npz", "-o", graph, "--quiet"]).status == 0)
        return (model, graph)
    }()

    private func temporary(_ name: String) -> String { NSTemporaryDirectory() + "deq-\(UUID().uuidString)-\(name)" }

    private func predict(_ options: [String]) throws -> CLI.Result {
        try CLI.run(["predict", "--model", Self.files.model, Self.files.graph] + options)
    }

    /// Solved tightly, the logits equal the PyTorch reference's.
    func testTightSolveMatchesTheReferenceAndReportsTheSolve() throws {
        let output = temporary("z.npy")
        let result = try predict(["--tol", "1e-6", "--max-iter", "400", "--stats", "-o", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("solver anderson: 39 iterations"), result.stderr)
        XCTAssertTrue(result.stderr.contains("≤ tolerance 1.00e-06"), result.stderr)
        let history = result.stderr.split(separator: "\n").first { $0.hasPrefix("residuals ") }
        XCTAssertEqual(history?.split(separator: " ").count, 40, result.stderr)
        let ours = try PredictCommandTests.npyFloats(output)
        let expected = try PredictCommandTests.npyFloats(Self.fixture + "/deq_gcn/expected.npy")
        var difference: Float = 0, norm: Float = 0
        for (a, b) in zip(ours, expected) { difference += (a - b) * (a - b); norm += b * b }
        XCTAssertLessThanOrEqual((difference / norm).squareRoot(), 1e-4)
    }

    func testUnfinishedSolveWarnsOrFailsWithStrict() throws {
        let output = temporary("p.csv")
        let warned = try predict(["--solver", "picard", "--max-iter", "3", "-o", output])
        XCTAssertEqual(warned.status, 0, warned.stderr)
        XCTAssertTrue(warned.stderr.hasPrefix("gnn-serve: warning: the picard solve stopped after 3 iterations"), warned.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output))

        let strictOutput = temporary("s.csv")
        let failed = try predict(["--max-iter", "3", "--strict", "-o", strictOutput])
        XCTAssertEqual(failed.status, 1, failed.stderr)
        XCTAssertEqual(failed.stderr.split(separator: "\n").count, 1, failed.stderr)
        XCTAssertTrue(failed.stderr.contains("the anderson solve stopped after 3 iterations"), failed.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: strictOutput), "--strict must not leave an output")
    }

    func testBadSolverArgumentsGiveOneLine() throws {
        func expectError(_ result: CLI.Result, status: Int32, _ fragment: String, line: UInt = #line) {
            XCTAssertEqual(result.status, status, result.stderr, line: line)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr, line: line)
            XCTAssertTrue(result.stderr.contains(fragment), result.stderr, line: line)
            XCTAssertEqual(result.stdout, "", line: line)
        }
        expectError(try predict(["--tol", "0"]), status: 2, "--tol is 0.0; it must be a positive number")
        expectError(try predict(["--tol", "nan"]), status: 2, "--tol is nan")
        expectError(try predict(["--max-iter", "0"]), status: 2, "--max-iter is 0; it must be 1 to 1000000")
        expectError(try predict(["--memory", "0"]), status: 2, "--memory is 0; it must be 1 to 256")
        expectError(try predict(["--damping", "1.5"]), status: 2, "--damping is 1.5; it must be in (0, 1]")
        expectError(try predict(["--solver", "newton"]), status: 2, "'newton' is invalid for '--solver")
        expectError(try CLI.run(["predict", "--model", PredictCommandTests.samples + "/revsage.gnnz",
                                 PredictCommandTests.samples + "/csbm.bin", "--max-iter", "5"]),
                    status: 1, "apply only to deq models, and this is a revgnn model")
    }

    /// Unusable solver values are refused where they are written, naming the file and the key.
    func testBadSolverSettingsAreRefusedAtExport() throws {
        let arch = try String(contentsOfFile: Self.fixture + "/deq_gcn/arch.json", encoding: .utf8)
            .replacingOccurrences(of: "\"memory\": 5", with: "\"memory\": 0")
        let archPath = temporary("arch.json"), model = temporary("bad.gnnz")
        try arch.write(toFile: archPath, atomically: true, encoding: .utf8)
        let export = try CLI.Result.from(PredictCommandTests.exporter, ["--weights", Self.fixture + "/deq_gcn/weights.safetensors",
                                                                        "--arch", archPath, "-o", model])
        XCTAssertEqual(export.status, 1, export.stderr)
        XCTAssertEqual(export.stderr.split(separator: "\n").count, 1, export.stderr)
        XCTAssertTrue(export.stderr.contains("\(archPath): solver setting memory is 0; it must be 1 to 256"), export.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: model))
    }

    func testInfoStatesTheMemoryOfTheSolve() throws {
        let info = try CLI.run(["info", Self.files.model])
        XCTAssertEqual(info.status, 0, info.stderr)
        // Anderson with m = 5: 2m + 2 solver copies and 3 for f, of N × 16 floats.
        XCTAssertTrue(info.stdout.contains("memory       15 × N × 16 floats (960 bytes per node): 12 for the solver, O(m·N·D)"), info.stdout)
        XCTAssertTrue(info.stdout.contains("solver       anderson, tol 0.0001 (relative), max 50 iterations, memory 5"), info.stdout)
    }
}
