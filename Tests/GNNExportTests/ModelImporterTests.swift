import Foundation
import GNNExport
import GNNFormats
import TestSupport
import XCTest

/// The export steps on a tiny hand-made state_dict: a one-layer ResGNN with a GCN conv and BatchNorm,
/// 2 channels throughout (node_encoder → layers.0.conv → relu(layers.0.norm) → lin).
final class ModelImporterTests: XCTestCase {
    typealias F = SafetensorsFixture

    static let architecture = ModelArchitecture(family: .resgnn, layers: 1, groups: 1, inputChannels: 2, hiddenChannels: 2,
                                                outputChannels: 2, task: .multiClass, norm: .batch, conv: .gcn(GCNOptions()))

    /// Every tensor the architecture reads, plus the i64 counter PyTorch saves with BatchNorm.
    static func tensors() -> [(String, String, [Int], [UInt8])] {
        [
            ("node_encoder.weight", "F32", [2, 2], F.f32([1, -2.5, 0.1, 3])),
            ("node_encoder.bias", "F32", [2], F.f32([0.5, -0.5])),
            ("layers.0.conv.lin.weight", "F32", [2, 2], F.f32([1, 0, 0, 1])),
            ("layers.0.conv.bias", "F32", [2], F.f32([0, 0.25])),
            ("layers.0.norm.weight", "F32", [2], F.f32([1, 1])),
            ("layers.0.norm.bias", "F32", [2], F.f32([0, 0])),
            ("layers.0.norm.running_mean", "F32", [2], F.f32([0.25, 0.75])),
            ("layers.0.norm.running_var", "F32", [2], F.f32([1, 2])),
            ("layers.0.norm.num_batches_tracked", "I64", [], F.littleEndian([Int64(42)])),
            ("lin.weight", "F32", [2, 2], F.f32([2, 0, 0, 2])),
            ("lin.bias", "F32", [2], F.f32([0, 0])),
        ]
    }

    static func weights(_ tensors: [(String, String, [Int], [UInt8])] = tensors()) -> String {
        var entries: [String] = []
        var data: [UInt8] = []
        for (name, dtype, shape, bytes) in tensors.sorted(by: { $0.0 < $1.0 }) {
            entries.append(F.entry(name, dtype, shape, data.count, data.count + bytes.count))
            data += bytes
        }
        return F.write(header: "{" + entries.joined(separator: ", ") + "}", data: data)
    }

    private func request(_ weights: String, _ output: String, dtype: DType = .float32,
                         architecture: ModelArchitecture = architecture, export: ExportOptions = ExportOptions()) -> ModelImporter.Request {
        var request = ModelImporter.Request(weights: weights, description: ArchitectureDescription(architecture: architecture, export: export),
                                            output: output)
        request.dtype = dtype
        return request
    }

    func testRoundTripKeepsValuesMarksBuffersAndSkipsCounters() throws {
        let output = temporaryPath("model.gnnz")
        var request = request(Self.weights(), output, export: ExportOptions(classNames: ["cat", "dog"]))
        request.name = "tiny"
        let report = try ModelImporter.export(request)
        let model = try ModelFile(path: output)
        try model.verify()
        XCTAssertEqual(try model.floats("node_encoder.weight"), [1, -2.5, 0.1, 3])
        XCTAssertEqual(try model.floats("layers.0.norm.running_mean"), [0.25, 0.75])
        XCTAssertEqual(model.tensor(named: "layers.0.norm.running_var")?.isBuffer, true)
        XCTAssertEqual(model.tensor(named: "lin.weight")?.isBuffer, false)
        XCTAssertNil(model.tensor(named: "layers.0.norm.num_batches_tracked"))
        XCTAssertEqual(model.tensors.count, 10)
        XCTAssertEqual(model.metadata.parameterCount, 22)  // encoder 6, conv 6, norm 4, lin 6 (running statistics are buffers)
        XCTAssertEqual(report.summary.parameterCount, 22)
        XCTAssertEqual(report.sourceBytes, 26 * 4 + 8)
        XCTAssertEqual(report.change, PrecisionChange())
        XCTAssertEqual(model.metadata.architecture, Self.architecture)
        XCTAssertEqual(model.metadata.name, "tiny")
        XCTAssertEqual(model.metadata.classNames, ["cat", "dog"])
        XCTAssertEqual(model.metadata.producer, "gnn-export \(GNNVersion.current)")
    }

    /// 0.1 in f16 is 0.0999755859375 (change 2.44e-5, relative 2.44e-4); 0.1 in bf16 is 0.10009765625.
    /// F16, BF16 and F64 sources are converted too.
    func testHalfPrecisionStorageReportsTheLargestChange() throws {
        let output = temporaryPath("model.gnnz")
        var tensors = Self.tensors()
        tensors[0] = ("node_encoder.weight", "F16", [2, 2], F.littleEndian([UInt16(0x3C00), 0xC100, 0x2E66, 0x4200]))
        tensors[1] = ("node_encoder.bias", "BF16", [2], F.littleEndian([UInt16(0x3F00), 0xBF00]))
        tensors[7] = ("layers.0.norm.running_var", "F64", [2], F.f64([1, 2]))
        let report = try ModelImporter.export(request(Self.weights(tensors), output, dtype: .float16))
        let model = try ModelFile(path: output)
        XCTAssertEqual(model.tensor(named: "node_encoder.weight")?.dtype, .float16)
        XCTAssertEqual(try model.floats("node_encoder.weight"), [1, -2.5, 0.0999755859375, 3])
        XCTAssertEqual(try model.floats("node_encoder.bias"), [0.5, -0.5])
        XCTAssertEqual(try model.floats("layers.0.norm.running_var"), [1, 2])
        // Only layers.0.conv.bias 0.25 and the others are exact in f16: every change is zero.
        XCTAssertEqual(report.change.largestAbsolute, 0)

        tensors = Self.tensors()
        tensors[3] = ("layers.0.conv.bias", "F32", [2], F.f32([0.1, 0.25]))
        let bf16 = try ModelImporter.export(request(Self.weights(tensors), temporaryPath("b.gnnz"), dtype: .bfloat16)).change
        XCTAssertEqual(bf16.largestAbsolute, 0.10009765625 - Float(0.1), accuracy: 1e-9)
        XCTAssertEqual(bf16.largestRelative, (0.10009765625 - Float(0.1)) / 0.1, accuracy: 1e-6)
        let f16 = try ModelImporter.export(request(Self.weights(tensors), temporaryPath("h.gnnz"), dtype: .float16)).change
        XCTAssertEqual(f16.largestAbsolute, Float(0.1) - 0.0999755859375, accuracy: 1e-9)
    }

    func testEveryMissingUnexpectedAndWrongShapeKeyIsListed() throws {
        let output = temporaryPath("model.gnnz")
        // lin.bias is optional (nn.Linear(bias=False)), so its absence is not a problem.
        var tensors = Self.tensors().filter { $0.0 != "lin.bias" && $0.0 != "layers.0.norm.running_var" && $0.0 != "lin.weight" }
        tensors.append(("lin.weight_extra", "F32", [1], F.f32([1])))
        tensors[0] = ("node_encoder.weight", "F32", [1, 4], F.f32([1, 2, 3, 4]))
        assertGNNError("weights do not match the description (resgnn, 1 layers, gcn) — 2 missing: layers.0.norm.running_var [2], lin.weight [2, 2]; 1 with the wrong shape: node_encoder.weight expected [2, 2] found [1, 4]; 1 unexpected: lin.weight_extra [1]") {
            try ModelImporter.export(request(Self.weights(tensors), output))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
    }

    func testKeyMapRenamesPrefixesLongestFirst() throws {
        let output = temporaryPath("model.gnnz")
        let tensors = Self.tensors().map { entry in
            var entry = entry
            entry.0 = entry.0.hasPrefix("layers.") ? "model.gnn." + entry.0.dropFirst("layers.".count) : "model." + entry.0
            return entry
        }
        assertGNNError("6 missing: node_encoder.weight [2, 2], layers.0.conv.lin.weight [2, 2]") { try ModelImporter.export(request(Self.weights(tensors), output)) }
        try ModelImporter.export(request(Self.weights(tensors), output, export: ExportOptions(keyMap: ["model.": "", "model.gnn.": "layers."])))
        XCTAssertEqual(try ModelFile(path: output).floats("layers.0.conv.bias"), [0, 0.25])
        assertGNNError("both map to \"lin.bias\"") {
            try ModelImporter.export(request(Self.weights(tensors + [("lin.bias", "F32", [2], F.f32([0, 0]))]), temporaryPath("x.gnnz"),
                                             export: ExportOptions(keyMap: ["model.": ""])))
        }
    }

    func testRefusesNonFloatTensorsIntegerStorageBadClassNamesAndExistingOutput() throws {
        let output = temporaryPath("model.gnnz")
        var tensors = Self.tensors()
        tensors[3] = ("layers.0.conv.bias", "I32", [2], F.littleEndian([Int32(0), 1]))
        assertGNNError("tensor \"layers.0.conv.bias\" has type I32; only floating-point") {
            try ModelImporter.export(request(Self.weights(tensors), output))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        assertGNNError("cannot store weights as i64") { try ModelImporter.export(request(Self.weights(), output, dtype: .int64)) }
        assertGNNError("has 1 class names for 2 outputs") {
            try ModelImporter.export(request(Self.weights(), output, export: ExportOptions(classNames: ["a"])))
        }
        try ModelImporter.export(request(Self.weights(), output, dtype: .bfloat16))
        assertGNNError("already exists") { try ModelImporter.export(request(Self.weights(), output, dtype: .bfloat16)) }
    }

    func testArchitectureDescriptionIsReadAndEachFaultIsNamedWithThePath() throws {
        let json = """
            {"family": "revgnn", "layers": 3, "groups": 2, "input_channels": 16, "hidden_channels": 8,
             "output_channels": 2, "edge_channels": 0, "task": "multi-class", "norm": "layer",
             "activation": "relu", "conv": {"kind": "gat", "heads": 2, "negative_slope": 0.1},
             "export": {"key_map": {"module.": ""}, "key": "model_state_dict", "tie": true, "class_names": ["no", "yes"]}}
            """
        var conv = GATOptions()
        conv.heads = 2
        conv.negativeSlope = 0.1
        let expected = ModelArchitecture(family: .revgnn, layers: 3, groups: 2, inputChannels: 16, hiddenChannels: 8,
                                         outputChannels: 2, task: .multiClass, norm: .layer, conv: .gat(conv))
        let description = try ArchitectureDescription(path: write(json))
        XCTAssertEqual(description.architecture, expected)
        XCTAssertEqual(description.export, ExportOptions(keyMap: ["module.": ""], key: "model_state_dict", tie: true, classNames: ["no", "yes"]))

        let cases: [(String, String, String)] = [
            ("\"hidden_channels\": 8,", "", "architecture lacks hidden_channels"),
            ("\"layers\": 3", "\"layers\": \"3\"", "field layers has the wrong type"),
            ("\"kind\": \"gat\"", "\"kind\": \"gin\"", "architecture is not valid"),
            ("{\"kind\": \"gat\",", "{", "architecture lacks conv.kind"),
            ("\"heads\": 2", "\"heads\": 2, \"heads\": 3", "has the key \"heads\" twice in one object; keep one of them"),
            ("\"groups\": 2", "\"groups\": 3", "at least 2 groups that divide hidden_channels"),
            ("\"tie\": true", "\"tied\": true", "unknown key \"tied\" in export; did you mean \"tie\"?"),
            ("\"tie\": true", "\"tie\": 1", "field export.tie has the wrong type"),
            ("[\"no\", \"yes\"]", "[\"no\"]", "has 1 class names for 2 outputs"),
        ]
        for (old, new, fragment) in cases {
            let path = write(json.replacingOccurrences(of: old, with: new))
            assertGNNError(fragment) { try ArchitectureDescription(path: path) }
            assertGNNError(path) { try ArchitectureDescription(path: path) }
        }
        assertGNNError("is not valid JSON: line 1, column 2: expected a value") { try ArchitectureDescription(path: write("[")) }
        assertGNNError("No such file") { try ArchitectureDescription(path: temporaryPath("missing.json")) }
    }

    /// A hand-written description is read strictly: an unknown key at any level is refused with the nearest
    /// known one, a wrong name lists the allowed ones, and a syntax error gives its line and column.
    func testDescriptionsRefuseUnknownKeysBadNamesAndBadSyntaxSaying() throws {
        let json = """
            {"family": "revgnn", "layers": 3, "groups": 2, "input_channels": 16, "hidden_channels": 8,
             "output_channels": 2, "edge_channels": 0, "task": "multi-class", "norm": {"kind": "layer", "eps": 1e-5},
             "activation": {"kind": "leaky_relu", "negative_slope": 0.1},
             "conv": {"kind": "sage", "normalize": true},
             "head": {"norm": {"kind": "layer"}, "linear": "lin2"}}
            """
        XCTAssertNoThrow(try ArchitectureDescription(path: write(json)))
        func message(_ old: String, _ new: String) -> String {
            do {
                _ = try ArchitectureDescription(path: write(json.replacingOccurrences(of: old, with: new)))
                return "no error"
            } catch let error as GNNError {
                return error.problem + (error.fix.map { "; " + $0 } ?? "")
            } catch { return "\(error)" }
        }
        XCTAssertEqual(message("\"normalize\"", "\"normalise\""),
                       #"unknown key "normalise" in conv; did you mean "normalize"? (conv reads: aggr, bias, kind, normalize, project, root_weight; formats/arch.md)"#)
        XCTAssertEqual(message("\"layers\"", "\"layer\""),
                       #"architecture lacks layers; the description has "layer": did you mean "layers"?"#)
        XCTAssertEqual(message("\"task\"", "\"task\": \"multi-class\", \"tsak\""),
                       #"unknown key "tsak" in the description; did you mean "task"? (the description reads: activation, block, conv, edge_channels, encoder, export, family, graph, groups, head, head_norm, hidden_channels, input_channels, layers, norm, output_channels, solver, task; formats/arch.md)"#)
        XCTAssertTrue(message("\"eps\"", "\"epsilon\"").hasPrefix(#"unknown key "epsilon" in norm; "#))
        XCTAssertTrue(message("\"negative_slope\"", "\"negative_slop\"").hasPrefix(#"unknown key "negative_slop" in activation; did you mean "negative_slope"?"#))
        XCTAssertTrue(message("\"linear\"", "\"lienar\"").hasPrefix(#"unknown key "lienar" in head; did you mean "linear"?"#))
        XCTAssertTrue(message("{\"kind\": \"layer\"}", "{\"kind\": \"layer\", \"afine\": false}").hasPrefix(#"unknown key "afine" in head.norm; did you mean "affine"?"#))
        // A null value means the default whatever the key, so it cannot change the model.
        XCTAssertEqual(message("\"normalize\": true", "\"normalize\": true, \"edge_dim\": null"), "no error")
        XCTAssertEqual(message("\"revgnn\"", "\"RevGNN\""),
                       #"architecture is not valid: family "RevGNN" is not supported (revgnn, wt-revgnn, resgnn, wt-resgnn, deq, gcnii) at family; see formats/arch.md"#)
        XCTAssertEqual(message("\"multi-class\"", "\"multiclass\""),
                       #"architecture is not valid: task "multiclass" is not supported (multi-class, multi-label, regression) at task; see formats/arch.md"#)
        XCTAssertEqual(message("\"layers\": 3,", "\"layers\": 3,,"),
                       "is not valid JSON: line 1, column 34: expected a key in double quotes; correct the JSON (no comments, keys in double quotes)")
        XCTAssertEqual(message("\"lin2\"}}", "\"lin2\"}"),
                       "is not valid JSON: line 5, column 55: expected ',' or '}'; correct the JSON (no comments, keys in double quotes)")
    }

    /// GENConv's learn_msg_scale only matters in training; PyG-side descriptions state it, so GEN accepts it.
    func testLearnMsgScaleIsAcceptedForGENOnly() throws {
        let json = """
            {"family": "revgnn", "layers": 3, "groups": 2, "input_channels": 16, "hidden_channels": 8,
             "output_channels": 2, "edge_channels": 0, "task": "multi-class", "norm": "layer", "activation": "relu",
             "conv": {"kind": "gen", "learn_msg_scale": false}}
            """
        XCTAssertNoThrow(try ArchitectureDescription(path: write(json)))
        assertGNNError(#"unknown key "learn_msg_scale" in conv"#) {
            try ArchitectureDescription(path: write(json.replacingOccurrences(of: "\"gen\"", with: "\"sage\"")))
        }
    }

    /// The shipped examples, one per family (formats/arch.md).
    func testSampleDescriptionsAreValid() throws {
        let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("samples").path
        let files = try FileManager.default.contentsOfDirectory(atPath: samples).filter { $0.hasSuffix(".arch.json") }
        var families = Set<ModelArchitecture.Family>()
        for file in files { families.insert(try ArchitectureDescription(path: samples + "/" + file).architecture.family) }
        XCTAssertTrue(families.isSuperset(of: [.revgnn, .wtRevgnn, .resgnn, .wtResgnn, .deq, .gcnii]), "\(families)")
    }

    func testClassNamesAreReadOnePerLineAndAnEmptyLineIsRefused() throws {
        XCTAssertEqual(try ClassNames.read(F.write(Array("cat\r\ndog\n\n".utf8), name: "classes.txt")), ["cat", "dog"])
        assertGNNError("line 2 is empty") { try ClassNames.read(F.write(Array("cat\n\ndog\n".utf8), name: "classes.txt")) }
    }

    private func write(_ text: String) -> String {
        F.write(Array(text.utf8), name: "arch.json")
    }
}
