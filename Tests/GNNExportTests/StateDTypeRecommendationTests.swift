import Foundation
import GNNExport
import GNNFormats
import GNNKernels
import GNNModels
import TestSupport
import XCTest

/// `gnn-export --state-dtype`: the recommendation a model file records (format 1.2, `state_dtype`), which
/// `ForwardPass.run` follows unless told otherwise, and sets aside where it cannot apply.
final class StateDTypeRecommendationTests: XCTestCase {
    /// Exports fixture `name` from its safetensors with `stateDType` recommended; the model file's path.
    private func export(_ name: String, recommending stateDType: StateDType?) throws -> String {
        _ = try GraphFile(path: Fixtures.graphPath)  // creates the scratch folder
        let description = try ArchitectureDescription(path: "\(Fixtures.models)/\(name)/arch.json")
        let output = "\(Fixtures.scratch)/recommend-\(name.replacingOccurrences(of: "/", with: "-"))-\(UUID().uuidString).gnnz"
        var request = ModelImporter.Request(weights: "\(Fixtures.models)/\(name)/weights.safetensors", description: description,
                                            output: output)
        request.stateDType = stateDType
        try ModelImporter.export(request)
        return output
    }

    /// `path` written again with `stateDtype` as its stored recommendation, as another writer (or a later
    /// format) might store it.
    private func rewrite(_ path: String, stateDtype: String) throws -> String {
        let file = try ModelFile(path: path)
        var metadata = file.metadata
        metadata.stateDtype = stateDtype
        var writer = ModelFileWriter(metadata: metadata, compressionLevel: 1)
        for tensor in file.tensors {
            if tensor.encoding == .alias {
                try writer.addAlias(tensor.name, of: file.storage(of: tensor).name)
            } else {
                try writer.add(tensor.name, shape: tensor.shape, rawBytes: try file.decodedBytes(tensor), dtype: tensor.dtype,
                               isBuffer: tensor.isBuffer)
            }
        }
        let output = path + ".\(stateDtype).gnnz"
        try writer.write(to: output)
        return output
    }

    func testARecordedRecommendationIsTheDefaultAndAnExplicitChoiceOverridesIt() throws {
        let graph = try GraphFile(path: Fixtures.graphPath)
        let plain = try GNNModel(ModelFile(path: try export("rev_sage_batchnorm", recommending: nil)))
        let recommendingFile = try ModelFile(path: try export("rev_sage_batchnorm", recommending: .bf16))
        XCTAssertEqual(recommendingFile.metadata.stateDtype, "bf16")
        XCTAssertEqual(recommendingFile.preamble.version, FormatVersion(major: 1, minor: 2))
        let recommending = try GNNModel(recommendingFile)
        XCTAssertEqual(recommending.recommendedStateDType, .bf16)
        XCTAssertNil(plain.recommendedStateDType)

        let byDefault = try ForwardPass.run(recommending, on: graph)
        XCTAssertEqual(byDefault.stateDType, .bf16)
        XCTAssertNil(byDefault.stateDTypeNote)
        XCTAssertEqual(byDefault.outputs.map(\.bitPattern), try ForwardPass.run(plain, on: graph, stateDType: .bf16).outputs.map(\.bitPattern))
        let float32 = try ForwardPass.run(plain, on: graph).outputs
        XCTAssertNotEqual(byDefault.outputs, float32, "a bf16 state rounds something")
        let overridden = try ForwardPass.run(recommending, on: graph, stateDType: .f32)
        XCTAssertEqual(overridden.stateDType, .f32)
        XCTAssertEqual(overridden.outputs.map(\.bitPattern), float32.map(\.bitPattern))
    }

    func testExportRefusesARecommendationTheModelCannotFollow() throws {
        assertGNNError("--state-dtype bf16 is not built for the deq family") { _ = try self.export("deq/deq_gcn", recommending: .bf16) }
        assertGNNError("--state-dtype f16 is not built for the gcnii family") { _ = try self.export("gcnii_64", recommending: .f16) }
        assertGNNError("graph-mode layer norm") { _ = try self.export("rev_sage_graphnorm", recommending: .bf16) }
        XCTAssertNoThrow(try export("gcnii_64", recommending: .f32))
    }

    /// A recommendation the run cannot follow (a model its writer should not have tagged) or this reader
    /// does not know (a later format's dtype) runs in float32 and says why; it never refuses the file.
    func testARecommendationThatCannotBeFollowedRunsInFloat32WithANote() throws {
        let deqPath = try export("deq/deq_gcn", recommending: nil)
        let tagged = try rewrite(deqPath, stateDtype: "bf16")
        let equilibriumGraph = try GraphFile(path: Fixtures.equilibriumGraphPath)
        let result = try ForwardPass.run(GNNModel(ModelFile(path: tagged)), on: equilibriumGraph)
        XCTAssertEqual(result.stateDType, .f32)
        XCTAssertEqual(result.stateDTypeNote?.contains("recommends state dtype bf16, set aside"), true, result.stateDTypeNote ?? "")
        XCTAssertEqual(result.outputs.map(\.bitPattern),
                       try ForwardPass.run(GNNModel(ModelFile(path: deqPath)), on: equilibriumGraph).outputs.map(\.bitPattern))

        let unknown = try rewrite(try export("rev_sage_batchnorm", recommending: nil), stateDtype: "fp8")
        let inputs = try ScoringInputs.open(model: unknown, graph: Fixtures.graphPath)
        XCTAssertNil(inputs.model.recommendedStateDType)
        XCTAssertTrue(inputs.warnings.contains { $0.contains("recommends state dtype \"fp8\", which this gnn-serve does not know") },
                      "\(inputs.warnings)")
        XCTAssertEqual(try ForwardPass.run(inputs.model, on: inputs.graph).stateDType, .f32)
    }
}
