import Foundation
import GNNImport
import TestSupport
import XCTest

/// `gnn-serve predict` and `gnn-export` on the shipped samples, as a user runs them.
final class PredictCommandTests: XCTestCase {
    typealias CLI = CommandLineTests
    static let samples = CLI.repository + "/samples"
    static let exporter = URL(fileURLWithPath: CLI.executable).deletingLastPathComponent().appendingPathComponent("gnn-export").path

    private func temporary(_ name: String) -> String { NSTemporaryDirectory() + "predict-\(UUID().uuidString)-\(name)" }

    private func run(_ arguments: [String]) throws -> CLI.Result { try CLI.run(arguments) }

    func testSampleModelReachesItsTrainedAccuracy() throws {
        let result = try run(["predict", "--model", Self.samples + "/revsage.gnnz", Self.samples + "/csbm.bin", "--split", "test", "-o", temporary("t.csv")])
        XCTAssertEqual(result.status, 0, result.stderr)
        // PyG measured 1.000 test accuracy for this model (scripts/fixtures/train_sample.py).
        XCTAssertTrue(result.stderr.contains("test accuracy 1.0000 (150 nodes)"), result.stderr)
    }

    /// The .npy output equals PyG's logits for the sample (stored by train_sample.py).
    func testNpyOutputMatchesPyGLogits() throws {
        let output = temporary("all.npy")
        let result = try run(["predict", "--model", Self.samples + "/wt_revgen.gnnz", Self.samples + "/csbm.bin", "-o", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        let ours = try Self.npyFloats(output), expected = try Self.npyFloats(Self.samples + "/wt_revgen.expected.npy")
        XCTAssertEqual(ours.count, 600 * 4)
        var difference: Float = 0, norm: Float = 0
        for (a, b) in zip(ours, expected) { difference += (a - b) * (a - b); norm += b * b }
        XCTAssertLessThanOrEqual((difference / norm).squareRoot(), 1e-5)
    }

    /// Model files written by earlier writers open in this reader and predict the same bytes.
    /// Tests/Fixtures/models/compat-1.0: three fixture models exported by the format 1.0 writer at commit
    /// a74b08f, with the .npy that commit's `predict` wrote for each (rewritten when dense products went to
    /// 8-row sgemm calls, res_gen_edge moved by at most 4.5e-7, and again when they went to the
    /// row-independent kernel, by at most 3.6e-7; the other two not at all). compat-1.1: the same three
    /// exported by the format 1.1 writer at cf7768c (SOURCE_DATE_EPOCH=1795996800), with that commit's
    /// `predict` outputs, which equal compat-1.0's byte for byte.
    func testModelFilesOfFormats1_0And1_1PredictTheSameBytes() throws {
        let graph = temporary("graph.bin")
        XCTAssertEqual(try run(["pack", Fixtures.models + "/graph.npz", "-o", graph, "--quiet"]).status, 0)
        for version in ["1.0", "1.1"] {
          let folder = Fixtures.models + "/compat-\(version)"
          for name in ["res_gen_edge", "rev_sage_batchnorm", "wt_rev_gat_h2_edge"] {
            let info = try run(["info", "\(folder)/\(name).gnnz"])
            XCTAssertTrue(info.stdout.contains("gnn-serve model, format \(version)"), info.stdout)
            let output = temporary("\(name).npy")
            let result = try run(["predict", "--model", "\(folder)/\(name).gnnz", graph, "--format", "npy", "-o", output])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: output)),
                           try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(name).npy")), "\(version) \(name)")
          }
        }
    }

    /// `gnn-export --state-dtype` records a recommendation that `info` shows and `predict` follows unless
    /// `--state-dtype` says otherwise (`--stats` names the state used).
    func testExportedStateDTypeRecommendationIsShownAndFollowed() throws {
        let model = temporary("bf16.gnnz"), graph = Self.samples + "/csbm.bin"
        let export = try CLI.Result.from(Self.exporter, ["--weights", Self.samples + "/revsage.safetensors",
                                                         "--arch", Self.samples + "/revsage.arch.json", "-o", model, "--state-dtype", "bf16"])
        XCTAssertEqual(export.status, 0, export.stderr)
        let info = try run(["info", model])
        XCTAssertTrue(info.stdout.contains("gnn-serve model, format 1.2") && info.stdout.contains("state dtype  bf16 recommended"), info.stdout)
        let followed = try run(["predict", "--model", model, graph, "--split", "test", "--stats", "--quiet", "-o", temporary("a.csv")])
        XCTAssertEqual(followed.status, 0, followed.stderr)
        XCTAssertTrue(followed.stderr.contains("threads, state bf16"), followed.stderr)
        let overridden = try run(["predict", "--model", model, graph, "--split", "test", "--stats", "--quiet", "--state-dtype", "f32",
                                  "-o", temporary("b.csv")])
        XCTAssertTrue(overridden.stderr.contains("threads, state f32"), overridden.stderr)
        let refused = try CLI.Result.from(Self.exporter, ["--weights", Self.samples + "/revsage.safetensors",
                                                          "--arch", Self.samples + "/revsage.arch.json", "-o", temporary("x.gnnz"),
                                                          "--state-dtype", "f8"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("f8"), refused.stderr)
    }

    func testNodeSelectionsAreHonouredInEveryFormat() throws {
        let csv = try run(["predict", "--model", Self.samples + "/revsage.gnnz", Self.samples + "/csbm.bin", "--nodes", "5,3", "--top-k", "2"])
        XCTAssertEqual(csv.status, 0, csv.stderr)
        let lines = csv.stdout.split(separator: "\n")
        XCTAssertEqual(lines.first, "node,prediction,class_1,prob_1,class_2,prob_2")
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[1].hasPrefix("5,") && lines[2].hasPrefix("3,"), csv.stdout)
        let jsonl = try run(["predict", "--model", Self.samples + "/revsage.gnnz", Self.samples + "/csbm.bin", "--nodes", "10..12", "--format", "jsonl"])
        let objects = try jsonl.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(objects.map { $0["node"] as? Int }, [10, 11])
        XCTAssertEqual((objects[0]["top_k"] as? [[String: Any]])?.count, 1)
        let list = temporary("ids.txt")
        try "7\n# a comment\n2\n".write(toFile: list, atomically: true, encoding: .utf8)
        let fromFile = try run(["predict", "--model", Self.samples + "/revsage.gnnz", Self.samples + "/csbm.bin", "--nodes", list, "--scores", "probs", "-o", temporary("p.npy")])
        XCTAssertEqual(fromFile.status, 0, fromFile.stderr)
    }

    func testBadRequestsGiveOneLine() throws {
        func expectError(_ arguments: [String], status: Int32, _ fragment: String, line: UInt = #line) throws {
            let result = try run(arguments)
            XCTAssertEqual(result.status, status, result.stderr, line: line)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr, line: line)
            XCTAssertTrue(result.stderr.contains(fragment), result.stderr, line: line)
        }
        let model = Self.samples + "/revsage.gnnz", graph = Self.samples + "/csbm.bin"
        try expectError(["predict", "--model", model, graph, "--nodes", "0..601"], status: 1, "the end 601 is beyond the graph's 600 nodes")
        try expectError(["predict", "--model", model, graph, "--nodes", "a,b"], status: 1, "is not a node id")
        try expectError(["predict", "--model", model, graph, "--nodes", "nosuchfile.txt"], status: 1, "--nodes nosuchfile.txt: no such file")
        try expectError(["predict", "--model", model, graph, "-o", "out.parquet"], status: 2,
                        "-o out.parquet: .parquet is not a format predict writes (known: .csv, .npy, .npz, .jsonl)")
        try expectError(["predict", "--model", model, graph, "--format", "npz"], status: 2, "--format npz needs --output")
        try expectError(["predict", "--model", graph, graph], status: 1, "is a graph file where a model file was expected")
        try expectError(["predict", "--model", model, model], status: 1, "is a model file where a graph file was expected")
        try expectError(["predict", "--model", model, Fixtures.models + "/graph.npz"], status: 1, "zip archive")
        try expectError(["predict", "--model", model, graph, "--threads", "0"], status: 2, "--threads")
        try expectError(["predict", "--model", model, graph, "--format", "npy"], status: 2, "needs --output")
        // A graph with other features: the sample's 16 features versus the fixture graph's 6.
        let other = temporary("other.bin")
        XCTAssertEqual(try run(["pack", Fixtures.models + "/graph.npz", "-o", other, "--quiet"]).status, 0)
        try expectError(["predict", "--model", model, other], status: 1, "reads 16 features per node but the graph has 6")
    }

    func testExportWritesAModelThatInfoDescribes() throws {
        let output = temporary("m.gnnz")
        let export = try CLI.Result.from(Self.exporter, ["--weights", Self.samples + "/revsage.safetensors",
                                                          "--arch", Self.samples + "/revsage.arch.json", "-o", output, "--dtype", "f16"])
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(export.stdout.contains("9700 parameters"), export.stdout)
        let info = try run(["info", output, "--verify", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as! [String: Any]
        XCTAssertEqual((object["metadata"] as? [String: Any])?["parameter_count"] as? Int, 9700)
        let again = try CLI.Result.from(Self.exporter, ["--weights", Self.samples + "/revsage.safetensors",
                                                         "--arch", Self.samples + "/revsage.arch.json", "-o", output])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("already exists"), again.stderr)
    }

    /// `.pt` inputs, --key, --class-names, tying and the f16/bf16 report, on the model fixtures.
    func testExportHonoursKeyClassNamesDTypeAndTieOnTorchSaveFiles() throws {
        let fixtures = Fixtures.models
        let classes = temporary("classes.txt")
        try "a\nb\nc\nd\n".write(toFile: classes, atomically: true, encoding: .utf8)
        let output = temporary("m.gnnz")
        let checkpoint = ["--weights", fixtures + "/rev_gat_h2_edge/checkpoint.pt", "--arch", fixtures + "/rev_gat_h2_edge/arch.json"]
        let export = try CLI.Result.from(Self.exporter, checkpoint + ["-o", output, "--key", "model_state_dict",
                                                                      "--class-names", classes, "--dtype", "bf16"])
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(export.stdout.contains("parameters") && export.stdout.contains("× the"), export.stdout)
        XCTAssertTrue(export.stdout.contains("largest change from bf16: "), export.stdout)
        let info = try run(["info", output, "--json"])
        let metadata = (try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as! [String: Any])["metadata"] as? [String: Any]
        XCTAssertEqual(metadata?["class_names"] as? [String], ["a", "b", "c", "d"])

        let missingKey = try CLI.Result.from(Self.exporter, checkpoint + ["-o", temporary("x.gnnz")])
        XCTAssertEqual(missingKey.status, 1)
        XCTAssertEqual(missingKey.stderr.split(separator: "\n").count, 1, missingKey.stderr)
        XCTAssertTrue(missingKey.stderr.contains("--key (one of: model_state_dict)"), missingKey.stderr)

        let tied = try CLI.Result.from(Self.exporter, ["--weights", fixtures + "/wt_rev_sage/tied.pt", "--arch",
                                                       fixtures + "/wt_rev_sage/arch.json", "-o", temporary("t.gnnz"), "--tie"])
        XCTAssertEqual(tied.status, 0, tied.stderr)
        XCTAssertTrue(tied.stdout.contains("tied: the 5 layers of \"convs\" hold the same weights, stored once"), tied.stdout)
        let untied = try CLI.Result.from(Self.exporter, ["--weights", fixtures + "/rev_sage/weights.pt", "--arch",
                                                         fixtures + "/rev_sage/arch.json", "-o", temporary("u.gnnz"), "--tie"])
        XCTAssertEqual(untied.status, 1)
        XCTAssertTrue(untied.stderr.contains("tying is required but the layers of \"convs\" hold different weights"), untied.stderr)
    }

    /// `.npz` output holds the input's node ids beside the scores, readable by the repository's own reader
    /// (numpy.load reads it too: checked by hand, as the tests do not need Python); an unknown extension
    /// is written only when --format names the format.
    func testNpzOutputCarriesNodeIDsAndScores() throws {
        let model = Self.samples + "/wt_revgen.gnnz", graph = Self.samples + "/csbm.bin"
        let output = temporary("s.npz")
        let result = try run(["predict", "--model", model, graph, "--nodes", "598..", "-o", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        let archive = try NpzArchive(path: output)
        XCTAssertEqual(archive.arrayNames, ["node_ids", "scores"])
        XCTAssertEqual(try archive.array("node_ids")?.integers(), [598, 599])
        let scores = try XCTUnwrap(try archive.array("scores"))
        XCTAssertEqual(scores.shape, [2, 4])
        XCTAssertEqual(scores.elementType, .float(bytes: 4))
        let expected = try Self.npyFloats(Self.samples + "/wt_revgen.expected.npy")
        let ours = Array(scores.data.bindMemory(to: Float.self))
        for (a, b) in zip(ours, expected[598 * 4..<600 * 4]) { XCTAssertEqual(a, b, accuracy: 1e-4) }

        let named = temporary("s.json")
        let jsonl = try run(["predict", "--model", model, graph, "--nodes", "..2", "--format", "jsonl", "-o", named])
        XCTAssertEqual(jsonl.status, 0, jsonl.stderr)
        XCTAssertEqual(try String(contentsOfFile: named, encoding: .utf8).split(separator: "\n").count, 2)
    }

    static func npyFloats(_ path: String) throws -> [Float] {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        let start = 10 + headerLength
        return bytes[start...].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }
}

extension CommandLineTests.Result {
    /// Runs another executable the same way `CommandLineTests.run` runs gnn-serve.
    static func from(_ executable: String, _ arguments: [String]) throws -> CommandLineTests.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return .init(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                     stderr: String(decoding: stderr, as: UTF8.self))
    }
}
