import Foundation
import TestSupport
import XCTest

/// `gnn-export` when weights and description disagree: a diagnosis first, bounded lists, and the options
/// that fix the usual causes (--strip-prefix, --key-map, --key "").
final class ExportGuidanceTests: XCTestCase {
    typealias CLI = CommandLineTests
    static let folder = Fixtures.models + "/rev_gen_softmax"

    private func temporary(_ name: String) -> String { NSTemporaryDirectory() + "guide-\(UUID().uuidString)-\(name)" }

    private func export(_ arguments: [String]) throws -> CLI.Result {
        try CLI.Result.from(PredictCommandTests.exporter, arguments + ["-o", temporary("m.gnnz")])
    }

    /// The fixture's description with `old` replaced by `new`, written to a temporary file.
    private func description(_ old: String = "", _ new: String = "") throws -> String {
        let text = try String(contentsOfFile: Self.folder + "/arch.json", encoding: .utf8)
        let path = temporary("arch.json")
        try (old.isEmpty ? text : text.replacingOccurrences(of: old, with: new)).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The error's text up to the lists (" — "), after "gnn-export: error: PATH: ".
    private func diagnosis(_ result: CLI.Result, file: StaticString = #filePath, line: UInt = #line) -> String {
        XCTAssertEqual(result.status, 1, result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr, file: file, line: line)
        let text = result.stderr.components(separatedBy: ": error: ").last ?? ""
        return text.components(separatedBy: " — ").first.map { String($0.drop { $0 != ":" }.dropFirst(2)) } ?? ""
    }

    func testAWrongHiddenSizeIsNamedAndTheListIsBounded() throws {
        let arch = try description("\"hidden_channels\": 8", "\"hidden_channels\": 48")
        let weights = Self.folder + "/weights.safetensors"
        let result = try export(["--weights", weights, "--arch", arch])
        XCTAssertEqual(diagnosis(result),
                       "weights do not match the description (revgnn, 3 layers, gen): hidden_channels looks like 8, the description says 48")
        XCTAssertTrue(result.stderr.contains("53 with the wrong shape: lin1.weight expected [48, 6] found [8, 6], "), result.stderr)
        XCTAssertTrue(result.stderr.contains(", and 41 more (--verbose lists all); "), result.stderr)
        XCTAssertLessThan(result.stderr.utf8.count, 1200)
        let verbose = try export(["--weights", weights, "--arch", arch, "--verbose"])
        XCTAssertFalse(verbose.stderr.contains("more (--verbose"), verbose.stderr)
        XCTAssertEqual(verbose.stderr.split(separator: "\n").count, 1)
        let shallow = try export(["--weights", weights, "--arch", try description("\"layers\": 3", "\"layers\": 2")])
        XCTAssertEqual(diagnosis(shallow),
                       "weights do not match the description (revgnn, 2 layers, gen): the weights hold 3 layers under \"convs.\", the description says layers 2")
    }

    func testAPrefixEveryKeySharesIsNamedWithTheOptionThatStripsIt() throws {
        let prefixed = try export(["--weights", Self.folder + "/module_prefix.pt", "--arch", Self.folder + "/arch.json"])
        XCTAssertEqual(diagnosis(prefixed),
                       "weights do not match the description (revgnn, 3 layers, gen): every key starts with \"module.\": add --strip-prefix module.")
        let stripped = try export(["--weights", Self.folder + "/module_prefix.pt", "--arch", Self.folder + "/arch.json", "--strip-prefix", "module."])
        XCTAssertEqual(stripped.status, 0, stripped.stderr)
        // torch.compile's prefix, made here by the empty key_map prefix that matches every key.
        let compiled = try export(["--weights", Self.folder + "/weights.safetensors", "--arch", Self.folder + "/arch.json",
                                   "--key-map", "=_orig_mod."])
        XCTAssertEqual(diagnosis(compiled),
                       "weights do not match the description (revgnn, 3 layers, gen): every key starts with \"_orig_mod.\": add --strip-prefix _orig_mod.")
    }

    func testOneBlockForAllLayersIsRecognised() throws {
        let folder = Fixtures.models + "/wt_rev_sage"
        let text = try String(contentsOfFile: folder + "/arch.json", encoding: .utf8).replacingOccurrences(of: "wt-revgnn", with: "revgnn")
        let arch = temporary("arch.json")
        try text.write(toFile: arch, atomically: true, encoding: .utf8)
        let result = try export(["--weights", folder + "/weights.safetensors", "--arch", arch, "--key-map", "convs.0.=block."])
        XCTAssertEqual(diagnosis(result),
                       "weights do not match the description (revgnn, 5 layers, sage): the weights are one block applied 5 times under \"block.\": describe family wt-revgnn and add --key-map block.=convs.0.")
    }

    func testKeysOfDescriptionsAndCheckpoints() throws {
        // A description's key is ignored, with a note, for a safetensors file (which has no entries).
        let keyed = try description("\"task\": \"multi-class\"", "\"task\": \"multi-class\", \"export\": {\"key\": \"model_state_dict\"}")
        let safetensors = try export(["--weights", Self.folder + "/weights.safetensors", "--arch", keyed])
        XCTAssertEqual(safetensors.status, 0, safetensors.stderr)
        XCTAssertEqual(safetensors.stderr,
                       "gnn-export: note: key \"model_state_dict\" ignored: \(Self.folder)/weights.safetensors is a safetensors file, which holds one state_dict\n")
        // --key "" clears the description's key for a plain state_dict saved with torch.save.
        let plain = try export(["--weights", Self.folder + "/weights.pt", "--arch", keyed])
        XCTAssertEqual(plain.status, 1)
        XCTAssertTrue(plain.stderr.contains("has no tensors under the key \"model_state_dict\""), plain.stderr)
        XCTAssertEqual(try export(["--weights", Self.folder + "/weights.pt", "--arch", keyed, "--key", ""]).status, 0)
        // A checkpoint's entries offered for --key are those holding a model's tensors, not the optimizer's.
        let folder = Fixtures.models + "/rev_gat_h2_edge"
        let checkpoint = try export(["--weights", folder + "/checkpoint.pt", "--arch", folder + "/arch.json"])
        XCTAssertTrue(checkpoint.stderr.hasSuffix("choose the state_dict with --key (one of: model_state_dict)\n"), checkpoint.stderr)
        let bad = try export(["--weights", folder + "/checkpoint.pt", "--arch", folder + "/arch.json", "--key-map", "nothing"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("--key-map nothing: expected OLD=NEW"), bad.stderr)
    }

    /// --guess prints a draft on stdout, the assumptions on stderr; the draft exports the weights.
    func testGuessDraftsADescriptionThatExports() throws {
        let folder = Fixtures.models + "/rev_gat_h2_edge"
        let guess = try CLI.Result.from(PredictCommandTests.exporter, ["--weights", folder + "/weights.pt", "--guess"])
        XCTAssertEqual(guess.status, 0, guess.stderr)
        XCTAssertTrue(guess.stderr.hasPrefix("gnn-export: assumed: GATConv negative_slope 0.2 (PyG's default; no tensor tells)"), guess.stderr)
        let draft = temporary("draft.arch.json")
        try guess.stdout.write(toFile: draft, atomically: true, encoding: .utf8)
        let exported = try export(["--weights", folder + "/weights.pt", "--arch", draft])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        let usage = try CLI.Result.from(PredictCommandTests.exporter, ["--weights", folder + "/weights.pt"])
        XCTAssertEqual(usage.status, 2)
        XCTAssertTrue(usage.stderr.contains("give --arch and --output (or --guess to draft a description from the weights)"), usage.stderr)
    }

    /// A user's whole journey with a DataParallel checkpoint (every key under `module.`): --guess drafts a
    /// description that maps the prefix away, the draft exports, the graph packs, and predict gives PyG's
    /// outputs.
    func testDataParallelCheckpointGoesFromGuessToPyGsOutputs() throws {
        let weights = Self.folder + "/module_prefix.pt"
        let guess = try CLI.Result.from(PredictCommandTests.exporter, ["--weights", weights, "--guess"])
        XCTAssertEqual(guess.status, 0, guess.stderr)
        XCTAssertTrue(guess.stderr.hasPrefix(#"gnn-export: assumed: every key starts with "module." (a wrapper"#), guess.stderr)
        let draft = temporary("draft.arch.json"), model = temporary("m.gnnz")
        try guess.stdout.write(toFile: draft, atomically: true, encoding: .utf8)
        let exported = try CLI.Result.from(PredictCommandTests.exporter, ["--weights", weights, "--arch", draft, "-o", model])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        let graph = temporary("graph.bin"), output = temporary("out.npy")
        XCTAssertEqual(try CLI.run(["pack", Fixtures.models + "/graph.npz", "-o", graph, "--quiet"]).status, 0)
        let predicted = try CLI.run(["predict", "--model", model, graph, "-o", output])
        XCTAssertEqual(predicted.status, 0, predicted.stderr)
        let error = relativeL2(try PredictCommandTests.npyFloats(output), try Fixtures.npy(Self.folder + "/expected.npy"))
        XCTAssertLessThanOrEqual(error, 1e-5)
    }
}
