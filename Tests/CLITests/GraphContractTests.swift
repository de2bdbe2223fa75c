import Foundation
import TestSupport
import XCTest

/// The graph contract and the input checks, as a user meets them: `pack` and `info` report symmetry and
/// self loops, `predict` refuses a graph that differs from the model's training graph or NaN features,
/// each with one exact line, and the `--allow-*` flags turn the refusals into warnings.
final class GraphContractTests: XCTestCase {
    typealias CLI = CommandLineTests
    static let samples = CLI.repository + "/samples"

    private func temporary(_ name: String) -> String { NSTemporaryDirectory() + "contract-\(UUID().uuidString)-\(name)" }

    private func run(_ arguments: [String]) throws -> CLI.Result { try CLI.run(arguments) }

    /// Writes an N × F float32 .npy (format 1.0).
    private func writeNpy(_ values: [Float], rows: Int, columns: Int, to path: String) throws {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        data.append(contentsOf: [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Packs a hand-made graph: `edges` as "source destination" lines, `nodes` × 16 features (the samples'
    /// width, so the sample model runs on it), `nan` in node `nanNode`'s first feature if given.
    private func pack(_ edges: String, nodes: Int, options: [String] = [], nanNode: Int? = nil) throws -> String {
        let list = temporary("edges.csv"), features = temporary("x.npy"), output = temporary("graph.bin")
        try edges.write(toFile: list, atomically: true, encoding: .utf8)
        var values = (0..<nodes * 16).map { Float($0 % 7) / 7 }
        if let nanNode { values[nanNode * 16] = .nan }
        try writeNpy(values, rows: nodes, columns: 16, to: features)
        let result = try run(["pack", list, "--features", features, "-o", output, "--quiet"] + options)
        XCTAssertEqual(result.status, 0, result.stderr)
        return output
    }

    /// The sample RevSAGE model, exported with the given graph options.
    private func model(_ options: [String]) throws -> String {
        let output = temporary("model.gnnz")
        let result = try CLI.Result.from(PredictCommandTests.exporter, ["--weights", Self.samples + "/revsage.safetensors",
                                                                        "--arch", Self.samples + "/revsage.arch.json", "-o", output] + options)
        XCTAssertEqual(result.status, 0, result.stderr)
        return output
    }

    private func infoLines(_ path: String) throws -> [String] {
        try run(["info", path]).stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    private static let directed = "0 1\n1 2\n2 3\n"

    func testPackMeasuresSymmetryAndSelfLoopsAndInfoPrintsThem() throws {
        let directed = try infoLines(try pack(Self.directed, nodes: 4))
        XCTAssertTrue(directed.contains("symmetric    no"), "\(directed)")
        XCTAssertTrue(directed.contains("self loops   none"), "\(directed)")
        let undirected = try infoLines(try pack(Self.directed, nodes: 4, options: ["--undirected"]))
        XCTAssertTrue(undirected.contains("symmetric    yes"), "\(undirected)")
        let loops = try infoLines(try pack(Self.directed, nodes: 4, options: ["--undirected", "--self-loops", "add"]))
        XCTAssertTrue(loops.contains("self loops   one per node"), "\(loops)")
        // A loop on node 0 only, and two on node 1: "some". Symmetry ignores loops and repeated edges.
        let some = try infoLines(try pack("0 0\n0 1\n1 0\n1 1\n1 1\n1 0\n", nodes: 2))
        XCTAssertTrue(some.contains("self loops   some"), "\(some)")
        XCTAssertTrue(some.contains("symmetric    yes"), "\(some)")
        // Every node one loop given in the input, kept as is: measured, not inferred from --self-loops.
        let given = try infoLines(try pack("0 0\n1 1\n0 1\n", nodes: 2))
        XCTAssertTrue(given.contains("self loops   one per node"), "\(given)")
        XCTAssertTrue(given.contains("symmetric    no"), "\(given)")
        // A file packed before graph format 1.2 does not say.
        let old = try infoLines(Self.samples + "/csbm.bin")
        XCTAssertTrue(old.contains("symmetric    unknown (packed before graph format 1.2; pack it again to measure)"), "\(old)")
        let json = try run(["info", Self.samples + "/csbm.bin", "--json"]).stdout
        XCTAssertTrue(json.contains("\"symmetric\" : \"unknown\""), json)
    }

    /// Self loops are all that differs: predict adds them to a copy of the graph, says so with the pack
    /// command that would make the copy unnecessary, and gives the outputs of the graph that command packs.
    func testModelExpectingSelfLoopsGetsThemAddedToACopyOfAGraphWithout() throws {
        let model = try model(["--graph-self-loops", "one-per-node", "--graph-symmetric", "yes"])
        XCTAssertTrue(try infoLines(model).contains("graph        expects one self loop per node, symmetric"))
        let graph = try pack(Self.directed, nodes: 4, options: ["--undirected"])
        let onTheFly = try run(["predict", "--model", model, graph])
        XCTAssertEqual(onTheFly.status, 0, onTheFly.stderr)
        let fixed = (graph as NSString).deletingPathExtension + ".fixed.bin"
        XCTAssertEqual(onTheFly.stderr, "gnn-serve: warning: \(graph): the model expects one self loop per node but the graph has none; "
            + "added them in a copy, as pack --self-loops add does; to skip this step, gnn-serve pack \(graph) --self-loops add -o \(fixed)\n")
        // The printed command makes a graph that needs no copy and gives the same outputs.
        XCTAssertEqual(try run(["pack", graph, "--self-loops", "add", "-o", fixed, "--quiet"]).status, 0)
        let packed = try run(["predict", "--model", model, fixed])
        XCTAssertEqual(packed.status, 0, packed.stderr)
        XCTAssertEqual(packed.stderr, "")
        XCTAssertEqual(packed.stdout, onTheFly.stdout)
    }

    func testModelExpectingASymmetricGraphRefusesADirectedOne() throws {
        let model = try model(["--graph-symmetric", "yes"])
        let graph = try pack(Self.directed, nodes: 4)
        let refused = try run(["predict", "--model", model, graph])
        XCTAssertEqual(refused.status, 1)
        let fixed = (graph as NSString).deletingPathExtension + ".fixed.bin"
        XCTAssertEqual(refused.stderr, "gnn-serve: error: \(graph): the model expects a symmetric graph but the graph has edges without their reverse "
            + "(model \(model)); pack it again: gnn-serve pack \(graph) --undirected --duplicates remove -o \(fixed), or pass --allow-graph-mismatch\n")
        // Both differences at once: one line, one command.
        let both = try run(["predict", "--model", try self.model(["--graph-symmetric", "yes", "--graph-self-loops", "one-per-node"]), graph])
        XCTAssertEqual(both.stderr.split(separator: "\n").count, 1, both.stderr)
        XCTAssertTrue(both.stderr.contains("--undirected --duplicates remove --self-loops add -o"), both.stderr)
    }

    func testModelWithoutLoopsGetsThemRemovedAndADirectedModelRefusesASymmetricGraph() throws {
        let graph = try pack(Self.directed, nodes: 4, options: ["--undirected", "--self-loops", "add"])
        let noLoops = try run(["predict", "--model", try model(["--graph-self-loops", "none"]), graph])
        XCTAssertEqual(noLoops.status, 0, noLoops.stderr)
        XCTAssertTrue(noLoops.stderr.contains("the model expects no self loops but the graph has one per node; removed them in a copy"), noLoops.stderr)
        XCTAssertTrue(noLoops.stderr.contains("--self-loops remove -o"), noLoops.stderr)
        let directed = try run(["predict", "--model", try model(["--graph-symmetric", "no"]), graph])
        XCTAssertEqual(directed.status, 1)
        XCTAssertTrue(directed.stderr.contains("the model was trained on a directed graph but the graph is symmetric"), directed.stderr)
        XCTAssertTrue(directed.stderr.hasSuffix("use a graph packed like the training graph, or pass --allow-graph-mismatch\n"), directed.stderr)
        // "any" and an unrecorded contract accept every graph.
        XCTAssertEqual(try run(["predict", "--model", try model(["--graph-self-loops", "any"]), graph]).status, 0)
    }

    func testAllowGraphMismatchWarnsAndRuns() throws {
        let model = try model(["--graph-self-loops", "one-per-node"])
        let graph = try pack(Self.directed, nodes: 4)
        let result = try run(["predict", "--model", model, graph, "--allow-graph-mismatch"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "gnn-serve: warning: \(graph): the model expects one self loop per node but the graph has none; "
            + "going on as --allow-graph-mismatch asks (outputs will differ from training)\n")
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 5)
    }

    /// samples/csbm.bin (graph format 1.0, symmetric, no loops) records neither fact: predict measures it.
    func testAGraphPackedBeforeFormat1_2IsMeasuredOnTheFly() throws {
        let graph = Self.samples + "/csbm.bin"
        let symmetric = try run(["predict", "--model", try model(["--graph-symmetric", "yes"]), graph, "--nodes", "0..2"])
        XCTAssertEqual(symmetric.status, 0, symmetric.stderr)
        XCTAssertEqual(symmetric.stderr, "")
        let directed = try run(["predict", "--model", try model(["--graph-symmetric", "no"]), graph, "--nodes", "0..2"])
        XCTAssertEqual(directed.status, 1)
        XCTAssertTrue(directed.stderr.hasPrefix("gnn-serve: error: \(graph): the model was trained on a directed graph but the graph is symmetric"), directed.stderr)
    }

    func testDescriptionGraphObjectIsRecorded() throws {
        var description = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.samples + "/revsage.arch.json"))) as! [String: Any]
        description["graph"] = ["self_loops": "one-per-node", "symmetric": true]
        let arch = temporary("arch.json"), output = temporary("m.gnnz")
        try JSONSerialization.data(withJSONObject: description).write(to: URL(fileURLWithPath: arch))
        let export = try CLI.Result.from(PredictCommandTests.exporter, ["--weights", Self.samples + "/revsage.safetensors", "--arch", arch, "-o", output])
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(try infoLines(output).contains("graph        expects one self loop per node, symmetric"))
        // The command line overrides the description.
        let overridden = try model(["--graph-self-loops", "any"])
        XCTAssertTrue(try infoLines(overridden).contains("graph        expects any self loops"))
        // A bad value is one line.
        description["graph"] = ["self_loops": "two"]
        try JSONSerialization.data(withJSONObject: description).write(to: URL(fileURLWithPath: arch))
        let bad = try CLI.Result.from(PredictCommandTests.exporter, ["--weights", Self.samples + "/revsage.safetensors", "--arch", arch, "-o", temporary("b.gnnz")])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderr.split(separator: "\n").count, 1, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("graph.self_loops"), bad.stderr)
    }

    func testNaNFeaturesAreRefusedNamingTheNode() throws {
        let graph = try pack(Self.directed, nodes: 4, options: ["--undirected"], nanNode: 2)
        let model = Self.samples + "/revsage.gnnz"
        let refused = try run(["predict", "--model", model, graph])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr, "gnn-serve: error: \(graph): 1 NaN or infinite value in node features (node 2); they would turn the "
            + "outputs of their neighbourhoods NaN; fix or impute them and pack again, or pass --allow-nonfinite\n")
        XCTAssertEqual(refused.stdout, "")
        let allowed = try run(["predict", "--model", model, graph, "--allow-nonfinite"])
        XCTAssertEqual(allowed.status, 0, allowed.stderr)
        XCTAssertEqual(allowed.stderr, "gnn-serve: warning: \(graph): 1 NaN or infinite value in node features (node 2); going on as "
            + "--allow-nonfinite asks (the outputs of their neighbourhoods will be NaN)\n")
    }

    /// `serve` runs the same checks at load: a server whose only graph has NaN features stops with the
    /// refusal, unless `--allow-nonfinite`, which the refusal names, lets it through with a warning in the log.
    func testServeRefusesNaNFeaturesUnlessAllowed() async throws {
        let graph = try pack(Self.directed, nodes: 4, options: ["--undirected"], nanNode: 2)
        let model = Self.samples + "/revsage.gnnz"
        // It may stop before it has named its port, so it is run as a plain command that ends by itself.
        let refused = try run(["serve", "--port", "0", "--model", model, graph])
        XCTAssertEqual(refused.status, 1, "a server whose only model cannot load stops")
        XCTAssertTrue(refused.stderr.contains("gnn-serve: error: loading model \"revsage\" failed: \(graph): 1 NaN or infinite value in node features (node 2); they would turn the "
            + "outputs of their neighbourhoods NaN; fix or impute them and pack again, or pass --allow-nonfinite\n"), refused.stderr)
        let allowed = try await ServerProcess(["--model", model, graph, "--allow-nonfinite"])
        let ready = try await allowed.get("/v2/models/revsage/ready").status
        XCTAssertEqual(ready, 200)
        XCTAssertTrue(allowed.log.contains("going on as --allow-nonfinite asks"), allowed.log)
    }

    /// Node ids are the input's on a reordered graph too, and in f16 storage the scan reads the stored bits.
    func testNonFiniteNodesAreNamedByInputIdInEveryDtype() throws {
        for dtype in ["f16", "bf16"] {
            let graph = try pack(Self.directed, nodes: 4, options: ["--undirected", "--feature-dtype", dtype], nanNode: 3)
            let refused = try run(["predict", "--model", Self.samples + "/revsage.gnnz", graph])
            XCTAssertEqual(refused.status, 1)
            XCTAssertTrue(refused.stderr.contains("1 NaN or infinite value in node features (node 3)"), refused.stderr)
        }
    }
}
