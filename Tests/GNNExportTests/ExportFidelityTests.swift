import Foundation
import GNNExport
import GNNFormats
import GNNModels
import TestSupport
import XCTest

/// gnn-export's `.pt` path and options against PyG: the `.pt` files of scripts/fixtures/make_export_fixtures.py
/// hold the same trained weights as each model's weights.safetensors, saved as users save them.
final class ExportFidelityTests: XCTestCase {
    /// Exports `NAME/file` with NAME/arch.json (changed by `adjust`) and runs it on the fixture graph.
    private func run(_ name: String, _ file: String, dtype: DType = .float32,
                     adjust: (inout ArchitectureDescription) -> Void = { _ in }) throws -> (outputs: [Float], report: ModelImporter.Report, model: String) {
        let graph = try GraphFile(path: Fixtures.graphPath)  // also creates the scratch folder
        var description = try ArchitectureDescription(path: "\(Fixtures.models)/\(name)/arch.json")
        adjust(&description)
        let output = "\(Fixtures.scratch)/export-\(name)-\(file)-\(dtype)-\(UUID().uuidString).gnnz"
        var request = ModelImporter.Request(weights: "\(Fixtures.models)/\(name)/\(file)", description: description, output: output)
        request.dtype = dtype
        let report = try ModelImporter.export(request)
        let model = try GNNModel(ModelFile(path: output))
        return (try ForwardPass.run(model, on: graph).outputs, report, output)
    }

    private func expected(_ name: String, _ file: String = "expected.npy") throws -> [Float] {
        try Fixtures.npy("\(Fixtures.models)/\(name)/\(file)")
    }

    func testEveryConfigurationSavedWithTorchSaveMatchesPyG() throws {
        let names = Fixtures.modelConfigurations
        XCTAssertGreaterThan(names.count, 15)
        for name in names {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(Fixtures.models)/\(name)/weights.pt"),
                          "\(name): run scripts/fixtures/make_export_fixtures.py")
            let error = relativeL2(try run(name, "weights.pt").outputs, try expected(name))
            XCTAssertLessThanOrEqual(error, 1e-5, "\(name).pt: relative L2 error \(error)")
        }
    }

    /// Storing f16/bf16 moves the outputs; the bounds are the documented ones (formats/arch.md).
    func testHalfPrecisionStorageFromTorchSaveStaysWithinTheDocumentedBounds() throws {
        for (dtype, bound) in [(DType.float16, 5e-3), (DType.bfloat16, 4e-2)] {
            for name in ["rev_sage", "rev_gen_softmax_edge_msgnorm", "rev_gat_h2_edge", "res_gat_batchnorm"] {
                let (outputs, report, _) = try run(name, "weights.pt", dtype: dtype)
                XCTAssertLessThanOrEqual(relativeL2(outputs, try expected(name)), bound, "\(name) in \(dtype)")
                XCTAssertGreaterThan(report.change.largestAbsolute, 0)
                // bf16 keeps f32's exponent range: at most half a unit in the last of 8 bits. f16's relative
                // change grows for values below its smallest normal (6.1e-5), so only its absolute is bounded.
                if dtype == .bfloat16 { XCTAssertLessThanOrEqual(report.change.largestRelative, 1.0 / 256, name) }
                XCTAssertLessThanOrEqual(report.change.largestAbsolute, dtype == .float16 ? 1e-3 : 1e-2, "\(name) in \(dtype)")
            }
        }
    }

    /// f16 and bf16 source tensors: PyG's output with the same rounded weights, exactly representable in
    /// f32 and, for bf16 stored as bf16, unchanged by storage.
    func testHalfPrecisionSourcesMatchPyGAndKeepingBF16AsBF16ChangesNothing() throws {
        let half = try run("rev_gcn", "f16.pt")
        XCTAssertLessThanOrEqual(relativeL2(half.outputs, try expected("rev_gcn", "expected_f16.npy")), 1e-5)
        let brain = try run("rev_sage_batchnorm", "bf16.pt", dtype: .bfloat16)
        XCTAssertLessThanOrEqual(relativeL2(brain.outputs, try expected("rev_sage_batchnorm", "expected_bf16.npy")), 1e-5)
        XCTAssertEqual(brain.report.change, PrecisionChange())
    }

    /// Transposed views and storage offsets into one shared storage.
    func testStridedViewsOfOneStorageMatchPyG() throws {
        XCTAssertLessThanOrEqual(relativeL2(try run("rev_sage", "strided.pt").outputs, try expected("rev_sage")), 1e-5)
    }

    func testCheckpointDictNeedsKey() throws {
        assertGNNError("holds \"epoch\", which is not a tensor, beside the weights") { try run("rev_gat_h2_edge", "checkpoint.pt") }
        assertGNNError("choose the state_dict with --key (one of: model_state_dict)") {
            try run("rev_gat_h2_edge", "checkpoint.pt")
        }
        assertGNNError("has no tensors under the key \"model\"") {
            try run("rev_gat_h2_edge", "checkpoint.pt") { $0.export.key = "model" }
        }
        let result = try run("rev_gat_h2_edge", "checkpoint.pt") { $0.export.key = "model_state_dict" }
        XCTAssertLessThanOrEqual(relativeL2(result.outputs, try expected("rev_gat_h2_edge")), 1e-5)
    }

    func testDataParallelPrefixIsRefusedUntilAKeyMapRemovesIt() throws {
        assertGNNError("unexpected: module.convs.0.convs.0.conv.aggr_module.t [1]") { try run("rev_gen_softmax", "module_prefix.pt") }
        let result = try run("rev_gen_softmax", "module_prefix.pt") { $0.export.keyMap = ["module.": ""] }
        XCTAssertLessThanOrEqual(relativeL2(result.outputs, try expected("rev_gen_softmax")), 1e-5)
    }

    /// PyG ModuleList([block] * L) saves L copies; a weight-tied model keeps one, an untied one stores
    /// aliases; both give PyG's output, and the file does not grow with the copies.
    func testTiedLayersAreStoredOnce() throws {
        let plain = try run("wt_rev_sage", "weights.safetensors")
        for file in ["tied.pt", "tied.safetensors"] {
            let tied = try run("wt_rev_sage", file)
            XCTAssertLessThanOrEqual(relativeL2(tied.outputs, try expected("wt_rev_sage")), 1e-5, file)
            XCTAssertEqual(tied.report.tiedStacks, ["convs": 5], file)
            XCTAssertEqual(try ModelFile(path: tied.model).tensors.count, try ModelFile(path: plain.model).tensors.count, file)

            let untied = try run("wt_rev_sage", file, adjust: Self.untied)
            XCTAssertLessThanOrEqual(relativeL2(untied.outputs, try expected("wt_rev_sage")), 1e-5, file)
            let model = try ModelFile(path: untied.model)
            let aliases = model.tensors.filter { $0.encoding == .alias }.count
            let stored = model.tensors.count - aliases
            // Stored: lin1, lin2 and the final norm (2 tensors each) and layer 0's; layers 1–4 alias layer 0's.
            XCTAssertEqual(aliases, 4 * (stored - 6), file)
            XCTAssertEqual(untied.report.summary.rawTensorBytes, tied.report.summary.rawTensorBytes, file)
        }
        assertGNNError("tying is required but the layers of \"convs\" hold different weights: convs.1.convs.0.conv.lin_l.bias differs from convs.0.convs.0.conv.lin_l.bias") {
            try run("rev_sage", "weights.pt") { $0.export.tie = true }
        }
        assertGNNError("the architecture is weight-tied (wt-revgnn) but the layers of \"convs\" hold different weights") {
            try run("rev_sage", "weights.pt") { $0.architecture.family = .wtRevgnn }
        }
    }

    private static func untied(_ description: inout ArchitectureDescription) {
        description.architecture.family = .revgnn
        description.export.tie = true
    }

    /// A 200-layer weight-tied model from .pt, and a weight-tied file's size does not depend on depth.
    func testDeepWeightTiedModelMatchesPyGAndItsFileDoesNotGrowWithDepth() throws {
        let deep = try run("wt_rev_sage_deep", "weights.pt")
        XCTAssertLessThanOrEqual(relativeL2(deep.outputs, try expected("wt_rev_sage_deep")), 1e-5)
        let shallow = try run("wt_rev_sage_deep", "weights.pt") { $0.architecture.layers = 10 }
        XCTAssertEqual(Double(deep.report.summary.fileLength), Double(shallow.report.summary.fileLength), accuracy: 64)
    }

    /// GATv2 descriptions that contradict themselves or the weights are refused, saying what is wrong: by
    /// the export, except share_weights over different lin_l and lin_r (the export audits names and shapes,
    /// not values), which the model refuses when it is opened.
    func testContradictoryGATv2DescriptionsAreRefused() throws {
        let cases: [(String, (inout GATv2Options) -> Void)] = [
            ("conv edge_dim is 5 but the architecture's edge_channels is 3", { $0.edgeDim = 5 }),
            ("has share_weights but lin_r differs from lin_l", { $0.shareWeights = true }),
            ("GATv2Conv with 3 heads cannot concatenate to 4 channels", { $0.heads = 3 }),
        ]
        for (fragment, change) in cases {
            assertGNNError(fragment) {
                try run("rev_gatv2_h2_edge", "weights.pt") { description in
                    guard case .gatv2(var options) = description.architecture.conv else { return XCTFail("not gatv2") }
                    change(&options)
                    description.architecture.conv = .gatv2(options)
                }
            }
        }
    }

    /// Depth, channels or options that disagree with the weights: every offending key in one message.
    func testMismatchedArchitectureListsEveryKey() throws {
        assertGNNError("weights do not match the description (revgnn, 2 layers, sage): the weights hold 3 layers under \"convs.\", the description says layers 2 — 10 unexpected: convs.2.convs.0.conv.lin_l.bias [4], convs.2.convs.0.conv.lin_l.weight [4, 4]") {
            try run("rev_sage", "weights.pt") { $0.architecture.layers = 2 }
        }
        assertGNNError("input_channels looks like 6, the description says 7 — 1 with the wrong shape: lin1.weight expected [8, 7] found [8, 6]") {
            try run("rev_sage", "weights.pt") { $0.architecture.inputChannels = 7 }
        }
        // LayerNorm's affine parameters are optional (elementwise_affine=False), so only the convs' are missing.
        assertGNNError("6 missing: convs.3.convs.0.conv.lin_l.weight [4, 4], convs.3.convs.0.conv.lin_l.bias [4]") {
            try run("rev_sage", "weights.pt") { $0.architecture.layers = 4 }
        }
    }
}
