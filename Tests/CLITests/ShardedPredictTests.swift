import Foundation
import TestSupport
import XCTest

/// `pack --shards K` and `mpirun -np K gnn-serve predict` over the shards: the output bytes equal those of
/// single-process `predict` on the whole graph the shards were cut from, for K = 1 to 4, both partitions,
/// every family and conv kind shards run. Needs Open MPI's `mpirun` (scripts/install-dependencies.sh
/// installs it; without it these tests are skipped).
final class ShardedPredictTests: XCTestCase {
    typealias CLI = CommandLineTests
    static let samples = CLI.repository + "/samples"

    /// `mpirun` on PATH, if any.
    static let mpirun: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        .map { "\($0)/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }

    private func temporary(_ name: String) -> String { NSTemporaryDirectory() + "shards-\(UUID().uuidString)-\(name)" }

    /// Runs `gnn-serve ARGUMENTS` on `ranks` MPI ranks on this machine (`-q`: Open MPI's own banners off).
    private func mpirun(_ ranks: Int, _ arguments: [String]) throws -> CLI.Result {
        guard let mpirun = Self.mpirun else { throw XCTSkip("mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev)") }
        return try CLI.Result.from(mpirun, ["--allow-run-as-root", "--oversubscribe", "-q", "-np", String(ranks), CLI.executable] + arguments)
    }

    private func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// Packs `input` whole (`base`) and as `count` shards beside it, returning the shards' pattern.
    private func shards(_ input: String, base: String, count: Int, partition: String) throws -> String {
        let pack = try CLI.run(["pack", input, "-o", base, "--shards", String(count), "--partition", partition, "--force", "--quiet"])
        XCTAssertEqual(pack.status, 0, pack.stderr)
        return String(base.dropLast(4)) + ".shard-%d-of-\(count).bin"
    }

    /// Single-process npy output of `model` on `input`, then the same from K ranks for each (K, partition).
    /// `options` go to both runs (a state dtype).
    private func assertShardsMatchOneProcess(model: String, input: String, runs: [(Int, String)], format: String = "npy",
                                             options: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws {
        let base = temporary("graph.bin"), expected = temporary("one.\(format)")
        XCTAssertEqual(try CLI.run(["pack", input, "-o", base, "--quiet"]).status, 0)
        let one = try CLI.run(["predict", "--model", model, base, "-o", expected] + options)
        XCTAssertEqual(one.status, 0, one.stderr, file: file, line: line)
        for (count, partition) in runs {
            let pattern = try shards(input, base: base, count: count, partition: partition)
            let output = temporary("\(count).\(format)")
            let result = try mpirun(count, ["predict", "--model", model, pattern, "-o", output] + options)
            XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
            XCTAssertEqual(try bytes(output), try bytes(expected), "\(model) \(options) on \(count) ranks, \(partition)", file: file, line: line)
        }
    }

    /// The fixture model `folder` (Tests/Fixtures/models/…) exported to a temporary file.
    private func exported(_ folder: String, name: String) throws -> String {
        let model = temporary("\(name).gnnz")
        let export = try CLI.Result.from(PredictCommandTests.exporter, ["--weights", folder + "/weights.safetensors",
                                                                        "--arch", folder + "/arch.json", "-o", model])
        XCTAssertEqual(export.status, 0, export.stderr)
        return model
    }

    /// The 600-node sample spans three 256-row blocks, so rows sit elsewhere in their blocks on every rank.
    func testSampleModelsGiveTheSameBytesOnOneToFourRanks() throws {
        let input = Self.samples + "/csbm.npz"
        let runs = [(1, "range"), (2, "range"), (3, "range"), (4, "range"), (2, "metis"), (4, "metis")]
        try assertShardsMatchOneProcess(model: Self.samples + "/revsage.gnnz", input: input, runs: runs)
        try assertShardsMatchOneProcess(model: Self.samples + "/wt_revgen.gnnz", input: input, runs: [(3, "metis")], format: "csv")
    }

    /// `--split` writes the split's nodes in the whole graph's split order and prints the metric once.
    func testSplitGivesTheSameBytesAndOneMetricLine() throws {
        let base = temporary("graph.bin"), model = Self.samples + "/revsage.gnnz"
        XCTAssertEqual(try CLI.run(["pack", Self.samples + "/csbm.npz", "-o", base, "--quiet"]).status, 0)
        let pattern = try shards(Self.samples + "/csbm.npz", base: base, count: 3, partition: "metis")
        for (split, output) in [("test", "csv"), ("valid", "npy")] {
            let one = temporary("one.\(output)"), three = temporary("three.\(output)")
            let single = try CLI.run(["predict", "--model", model, base, "--split", split, "-o", one])
            let sharded = try mpirun(3, ["predict", "--model", model, pattern, "--split", split, "-o", three])
            XCTAssertEqual(sharded.status, 0, sharded.stderr)
            XCTAssertEqual(try bytes(three), try bytes(one), split)
            XCTAssertEqual(sharded.stderr, single.stderr)
            XCTAssertEqual(sharded.stderr.split(separator: "\n").count, 1, sharded.stderr)
        }
    }

    /// `--nodes` writes the requested nodes in the order requested (repeats included), gathered on rank 0,
    /// as one process does; a bad id is one line from rank 0.
    func testNodesGiveTheSameBytesInTheRequestedOrder() throws {
        let base = temporary("graph.bin"), model = Self.samples + "/revsage.gnnz"
        XCTAssertEqual(try CLI.run(["pack", Self.samples + "/csbm.npz", "-o", base, "--quiet"]).status, 0)
        let pattern = try shards(Self.samples + "/csbm.npz", base: base, count: 3, partition: "metis")
        let list = temporary("ids.txt")
        try "# ids\n599\n0\n42\n42\n".write(toFile: list, atomically: true, encoding: .utf8)
        for (spec, format) in [("17,3,599,3,250", "csv"), ("100..140", "npy"), (list, "jsonl")] {
            let one = temporary("one.\(format)"), three = temporary("three.\(format)")
            let single = try CLI.run(["predict", "--model", model, base, "--nodes", spec, "-o", one])
            XCTAssertEqual(single.status, 0, single.stderr)
            let sharded = try mpirun(3, ["predict", "--model", model, pattern, "--nodes", spec, "-o", three])
            XCTAssertEqual(sharded.status, 0, sharded.stderr)
            XCTAssertEqual(try bytes(three), try bytes(one), spec)
        }
        let bad = try mpirun(3, ["predict", "--model", model, pattern, "--nodes", "3,600", "-o", temporary("bad.csv")])
        XCTAssertNotEqual(bad.status, 0)
        let errors = bad.stderr.split(separator: "\n").filter { $0.contains("gnn-serve: error:") }
        XCTAssertEqual(errors, ["gnn-serve: error: rank 0: node id 600 is out of range: the graph has 600 nodes (0..<600)"], bad.stderr)
    }

    /// One fixture model per family and conv kind shards run (Tests/Fixtures/models, exported here), on
    /// 2, 3 or 4 ranks.
    func testEveryFamilyAndConvKindGivesTheSameBytes() throws {
        let models = ["rev_gcn", "rev_gat_h2_edge", "rev_gatv2_h2_edge", "rev_gen_softmax_edge_msgnorm", "wt_rev_sage",
                      "res_sage_max", "res_gen_edge", "res_gat_batchnorm", "wt_res_gcn", "res_block_plain_batchnorm", "gcnii_separate",
                      "rev_sage_graphnorm", "res_gcn_graphnorm", "res_gat_edge_encoder"]
        for (i, name) in models.enumerated() {
            let model = try exported(Fixtures.models + "/" + name, name: name)
            try assertShardsMatchOneProcess(model: model, input: Fixtures.models + "/graph.npz",
                                            runs: [(2 + i % 3, i % 2 == 0 ? "range" : "metis")])
        }
    }

    /// 16-bit states: the exchange moves the rows as stored, so K ranks write the bytes one process writes
    /// in the same dtype. Every family and conv kind among the fixtures that runs in 16 bits, bf16 and f16
    /// in turn, on 2, 3 or 4 ranks.
    func testSixteenBitStatesGiveTheSameBytes() throws {
        let models = ["rev_gcn", "rev_gat_h2_edge", "rev_gatv2_h2_edge", "rev_gen_softmax_edge_msgnorm", "wt_rev_sage",
                      "res_sage_max", "res_gen_edge", "res_gat_batchnorm", "wt_res_gcn", "res_block_plain_batchnorm",
                      "res_gat_edge_encoder"]
        for (i, name) in models.enumerated() {
            let model = try exported(Fixtures.models + "/" + name, name: name)
            try assertShardsMatchOneProcess(model: model, input: Fixtures.models + "/graph.npz",
                                            runs: [(2 + i % 3, i % 2 == 0 ? "metis" : "range")],
                                            options: ["--state-dtype", i % 2 == 0 ? "bf16" : "f16"])
        }
        // The dtype takes effect on shards: two ranks in bf16 do not write float32's bytes.
        let model = try exported(Fixtures.models + "/" + models[0], name: models[0]), base = temporary("graph.bin")
        let pattern = try shards(Fixtures.models + "/graph.npz", base: base, count: 2, partition: "range")
        var outputs: [Data] = []
        for dtype in ["f32", "bf16"] {
            let output = temporary("\(dtype).npy")
            let result = try mpirun(2, ["predict", "--model", model, pattern, "-o", output, "--state-dtype", dtype])
            XCTAssertEqual(result.status, 0, result.stderr)
            outputs.append(try bytes(output))
        }
        XCTAssertNotEqual(outputs[0], outputs[1])
    }

    /// deq models solve over all ranks as over one process: residuals and inner products are summed exactly
    /// over each shard's own rows and merged (`NodeSums`), so every rank takes the iterations one process
    /// takes, with the same residuals, and writes the same bytes. Each solver method, on 2, 3 or 4 ranks.
    func testDeqModelsTakeTheSameIterationsAndGiveTheSameBytes() throws {
        let input = Fixtures.models + "/deq/graph.npz", base = temporary("graph.bin")
        XCTAssertEqual(try CLI.run(["pack", input, "-o", base, "--quiet"]).status, 0)
        let cases = [("deq_gcn", "anderson"), ("deq_sage_head_norm", "broyden"), ("deq_gat_edge", "picard"), ("deq_gatv2_edge", "anderson")]
        for (i, (name, method)) in cases.enumerated() {
            let model = try exported(Fixtures.models + "/deq/" + name, name: name)
            let options = ["--solver", method, "--stats"], expected = temporary("\(name)-one.npy")
            let one = try CLI.run(["predict", "--model", model, base, "-o", expected] + options)
            XCTAssertEqual(one.status, 0, one.stderr)
            let solverLines = one.stderr.split(separator: "\n").filter { $0.hasPrefix("solver ") || $0.hasPrefix("residuals ") }
            XCTAssertEqual(solverLines.count, 2, one.stderr)
            let count = 2 + i % 3, pattern = try shards(input, base: base, count: count, partition: i % 2 == 0 ? "metis" : "range")
            let output = temporary("\(name)-\(count).npy")
            let sharded = try mpirun(count, ["predict", "--model", model, pattern, "-o", output] + options)
            XCTAssertEqual(sharded.status, 0, sharded.stderr)
            XCTAssertEqual(try bytes(output), try bytes(expected), "\(name) with \(method) on \(count) ranks")
            XCTAssertEqual(sharded.stderr.split(separator: "\n").filter { $0.hasPrefix("solver ") || $0.hasPrefix("residuals ") },
                           solverLines, "\(name): the same iterations and residuals, printed once")
        }
    }

    func testInfoOnAShardPrintsOwnedRowsHaloAndEdgeCut() throws {
        let base = temporary("graph.bin")
        let pattern = try shards(Self.samples + "/csbm.npz", base: base, count: 2, partition: "metis")
        let info = try CLI.run(["info", pattern.replacingOccurrences(of: "%d", with: "1"), "--verify"])
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertTrue(info.stdout.contains("shard        1 of 2"), info.stdout)
        XCTAssertTrue(info.stdout.contains("of a graph of 600 nodes, 4700 edges"), info.stdout)
        XCTAssertTrue(info.stdout.contains("structure and checksums OK"), info.stdout)
        let json = try JSONSerialization.jsonObject(with: Data(try CLI.run(["info", pattern.replacingOccurrences(of: "%d", with: "0"), "--json"]).stdout.utf8)) as! [String: Any]
        let shard = try XCTUnwrap(json["shard"] as? [String: Any])
        let owned = try XCTUnwrap(shard["owned_rows"] as? Int), halo = try XCTUnwrap(shard["halo_rows"] as? Int)
        XCTAssertEqual(json["nodes"] as? Int, owned + halo)
        XCTAssertGreaterThan(try XCTUnwrap(shard["cut_edges"] as? Int), 0)
    }

    /// Each fault stops every rank with one line naming the rank and the file, status 1 and no output.
    func testBadShardSetsAreRefusedWithOneLine() throws {
        let base = temporary("graph.bin"), model = Self.samples + "/revsage.gnnz", output = temporary("out.npy")
        func assertRefused(_ ranks: Int, _ pattern: String, _ fragment: String, line: UInt = #line) throws {
            let result = try mpirun(ranks, ["predict", "--model", model, pattern, "-o", output])
            XCTAssertNotEqual(result.status, 0, line: line)
            let errors = result.stderr.split(separator: "\n").filter { $0.contains("gnn-serve: error:") }
            XCTAssertEqual(errors.count, 1, result.stderr, line: line)
            XCTAssertTrue(errors.first?.contains(fragment) ?? false, result.stderr, line: line)
            XCTAssertFalse(FileManager.default.fileExists(atPath: output), line: line)
        }
        let three = try shards(Self.samples + "/csbm.npz", base: base, count: 3, partition: "range")
        try assertRefused(2, three, "rank 0: \(base.dropLast(4)).shard-0-of-3.bin: is shard 0 of 3, but mpirun started 2 ranks")
        let two = try shards(Self.samples + "/csbm.npz", base: base, count: 2, partition: "range")
        let second = two.replacingOccurrences(of: "%d", with: "1"), moved = temporary("moved.bin")
        try FileManager.default.moveItem(atPath: second, toPath: moved)
        try assertRefused(2, two, "rank 1: \(second): No such file")
        // A shard of another set (another partition of the same graph) in place of shard 1.
        _ = try shards(Self.samples + "/csbm.npz", base: base, count: 2, partition: "metis")
        try FileManager.default.removeItem(atPath: base.replacingOccurrences(of: ".bin", with: ".shard-1-of-2.bin"))
        try FileManager.default.moveItem(atPath: moved, toPath: second)
        try assertRefused(2, two, "rank 1: \(second): belongs to another set of shards")
        let single = try CLI.run(["predict", "--model", model, second])
        XCTAssertEqual(single.status, 1)
        XCTAssertTrue(single.stderr.contains("is one shard of a graph; run every shard of the set with mpirun -np K"), single.stderr)
    }
}
