import Foundation
import GNNExport
import GNNFormats
import TestSupport
import XCTest

final class ModelImporterTests: XCTestCase {
    typealias F = SafetensorsFixture

    static let architecture = ModelArchitecture(family: .resgnn, layers: 2, groups: 1, inputChannels: 2, hiddenChannels: 2,
                                                outputChannels: 2, task: .multiClass, norm: .batch, conv: ConvSpec(kind: .gcn))

    /// Two f32 weights, BatchNorm statistics and the i64 counter PyTorch saves with them.
    static func weights(extra: [(String, String, [Int], [UInt8])] = []) -> String {
        var tensors: [(String, String, [Int], [UInt8])] = [
            ("lin1.weight", "F32", [2, 2], F.f32([1, -2.5, 0.1, 3])),
            ("lin1.bias", "F32", [2], F.f32([0.5, -0.5])),
            ("norm.running_mean", "F32", [2], F.f32([0.25, 0.75])),
            ("norm.num_batches_tracked", "I64", [], F.littleEndian([Int64(42)])),
        ] + extra
        tensors.sort { $0.0 < $1.0 }
        var entries: [String] = []
        var data: [UInt8] = []
        for (name, dtype, shape, bytes) in tensors {
            entries.append(F.entry(name, dtype, shape, data.count, data.count + bytes.count))
            data += bytes
        }
        return F.write(header: "{" + entries.joined(separator: ", ") + "}", data: data)
    }

    func testRoundTripKeepsValuesMarksBuffersAndSkipsCounters() throws {
        let output = temporaryPath("model.gnnz")
        let summary = try ModelImporter.importSafetensors(weights: Self.weights(), architecture: Self.architecture, name: "tiny",
                                                          storeAs: .float32, to: output, overwrite: false,
                                                          sourceFramework: "PyTorch Geometric 2.6.1")
        let model = try ModelFile(path: output)
        try model.verify()
        XCTAssertEqual(try model.floats("lin1.weight"), [1, -2.5, 0.1, 3])
        XCTAssertEqual(try model.floats("lin1.bias"), [0.5, -0.5])
        XCTAssertEqual(try model.floats("norm.running_mean"), [0.25, 0.75])
        XCTAssertEqual(model.tensor(named: "lin1.weight")?.shape, [2, 2])
        XCTAssertEqual(model.tensor(named: "norm.running_mean")?.isBuffer, true)
        XCTAssertEqual(model.tensor(named: "lin1.weight")?.isBuffer, false)
        XCTAssertNil(model.tensor(named: "norm.num_batches_tracked"))
        XCTAssertEqual(model.tensors.count, 3)
        XCTAssertEqual(model.metadata.parameterCount, 6)
        XCTAssertEqual(summary.parameterCount, 6)
        XCTAssertEqual(model.metadata.architecture, Self.architecture)
        XCTAssertEqual(model.metadata.name, "tiny")
        XCTAssertEqual(model.metadata.producer, "gnn-serve \(GNNVersion.current)")
        XCTAssertEqual(model.metadata.sourceFramework, "PyTorch Geometric 2.6.1")
    }

    /// 0.1 stored as IEEE half is 0x2E66 = 0.0999755859375; F16 and BF16 sources are converted too.
    func testHalfPrecisionStorageAndSources() throws {
        let output = temporaryPath("model.gnnz")
        let weights = Self.weights(extra: [("half", "F16", [1], F.littleEndian([UInt16(0xC100)])),
                                           ("brain", "BF16", [1], F.littleEndian([UInt16(0xC020)])),
                                           ("norm.running_var", "F64", [2], F.f64([1, 2]))])
        try ModelImporter.importSafetensors(weights: weights, architecture: Self.architecture, name: nil, storeAs: .float16,
                                            to: output, overwrite: false, sourceFramework: nil)
        let model = try ModelFile(path: output)
        XCTAssertEqual(model.tensor(named: "lin1.weight")?.dtype, .float16)
        XCTAssertEqual(try model.floats("lin1.weight"), [1, -2.5, 0.0999755859375, 3])
        XCTAssertEqual(try model.floats("half"), [-2.5])
        XCTAssertEqual(try model.floats("brain"), [-2.5])
        XCTAssertEqual(try model.floats("norm.running_var"), [1, 2])
        XCTAssertEqual(model.tensor(named: "norm.running_var")?.isBuffer, true)
        XCTAssertEqual(model.metadata.parameterCount, 8)
    }

    func testRefusesNonFloatTensorsIntegerStorageAndExistingOutput() throws {
        let output = temporaryPath("model.gnnz")
        let indexed = Self.weights(extra: [("edge_index", "I64", [1], F.littleEndian([Int64(0)]))])
        assertGNNError("tensor \"edge_index\" has dtype I64; only floating-point") {
            try ModelImporter.importSafetensors(weights: indexed, architecture: Self.architecture, name: nil, storeAs: .float32,
                                                to: output, overwrite: true, sourceFramework: nil)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        assertGNNError("cannot store weights as i64") {
            try ModelImporter.importSafetensors(weights: Self.weights(), architecture: Self.architecture, name: nil, storeAs: .int64,
                                                to: output, overwrite: true, sourceFramework: nil)
        }
        try ModelImporter.importSafetensors(weights: Self.weights(), architecture: Self.architecture, name: nil, storeAs: .bfloat16,
                                            to: output, overwrite: false, sourceFramework: nil)
        assertGNNError("already exists") {
            try ModelImporter.importSafetensors(weights: Self.weights(), architecture: Self.architecture, name: nil, storeAs: .bfloat16,
                                                to: output, overwrite: false, sourceFramework: nil)
        }
    }

    func testArchitectureFromJSON() throws {
        let json = """
            {"family": "revgnn", "layers": 3, "groups": 2, "input_channels": 16, "hidden_channels": 8,
             "output_channels": 4, "edge_channels": 0, "task": "multi-class", "norm": "layer",
             "activation": "relu", "conv": {"kind": "gat", "heads": 2, "negative_slope": 0.1}}
            """
        var conv = ConvSpec(kind: .gat)
        conv.heads = 2
        conv.negativeSlope = 0.1
        let expected = ModelArchitecture(family: .revgnn, layers: 3, groups: 2, inputChannels: 16, hiddenChannels: 8,
                                         outputChannels: 4, task: .multiClass, norm: .layer, conv: conv)
        XCTAssertEqual(try ModelImporter.architecture(fromJSON: write(json)), expected)

        let cases: [(String, String, String)] = [
            ("\"hidden_channels\": 8,", "", "architecture lacks hidden_channels"),
            ("\"layers\": 3", "\"layers\": \"3\"", "field layers has the wrong type"),
            ("\"kind\": \"gat\"", "\"kind\": \"gin\"", "architecture is not valid"),
            ("{\"kind\": \"gat\"", "{\"heads\": 1", "architecture lacks conv.kind"),
            ("\"groups\": 2", "\"groups\": 3", "at least 2 groups that divide hidden_channels"),
        ]
        for (old, new, fragment) in cases {
            let path = write(json.replacingOccurrences(of: old, with: new))
            assertGNNError(fragment) { try ModelImporter.architecture(fromJSON: path) }
            assertGNNError(path) { try ModelImporter.architecture(fromJSON: path) }
        }
        assertGNNError("architecture is not valid") { try ModelImporter.architecture(fromJSON: write("[")) }
        assertGNNError("No such file") { try ModelImporter.architecture(fromJSON: temporaryPath("missing.json")) }
    }

    private func write(_ text: String) -> String {
        F.write(Array(text.utf8), name: "arch.json")
    }
}
