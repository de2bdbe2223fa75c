import Foundation
import GNNFormats
@testable import GNNModels
import TestSupport
import XCTest

/// Sizes taken from the input are checked before anything that large is allocated.
final class ResourceBudgetTests: XCTestCase {
    /// res_sage: hidden 8, 4 outputs; 100 nodes need 100 × (3 × 8 + 4) × 4 = 11,200 bytes at least.
    func testPredictRefusesUpFrontWhatDoesNotFitTheMemoryBudget() throws {
        let graph = try Fixtures.randomSortedGraph(nodes: 100, features: 6, seed: 1)
        let model = try GNNModel(ModelFile(path: try Fixtures.modelPath("res_sage")))
        XCTAssertEqual(ForwardPass.memoryNeed(model, nodes: 100, solver: nil), 11_200)
        setenv(MemoryBudget.limitVariable, "5000", 1)
        defer { unsetenv(MemoryBudget.limitVariable) }
        assertGNNError("scoring 100 nodes with this model needs 10.9 KiB, but only 4.9 KiB of memory is available; score a smaller graph") {
            try ForwardPass.run(model, on: graph)
        }
        setenv(MemoryBudget.limitVariable, "11200", 1)
        XCTAssertEqual(try ForwardPass.run(model, on: graph).rows, 100)
    }

    /// A range end far beyond the graph is refused before its ids are listed (2^63 − 1 of them).
    func testNodeRangeBeyondTheGraphIsRefusedBeforeListing() {
        assertGNNError("--nodes 0..9223372036854775807: the end 9223372036854775807 is beyond the graph's 10 nodes (0..<10); end the range at 10 or less, or write 0.. to run to the last node") {
            try NodeSelection.parse("0..9223372036854775807", nodeCount: 10)
        }
        assertGNNError("--nodes 5..100000000000: the end 100000000000 is beyond the graph's 10 nodes") {
            try NodeSelection.parse("5..100000000000", nodeCount: 10)
        }
    }

    func testNodeFileThatIsADirectoryOrEndlessIsRefused() {
        let directory = NSTemporaryDirectory()
        assertGNNError("--nodes \(directory) is a directory, not a file of node ids; give a file with one node id per line") {
            try NodeSelection.parse(directory, nodeCount: 10)
        }
        // 10 nodes allow 10 × 24 bytes + 1 MiB of text.
        assertGNNError("/dev/zero: holds more than 1048816 bytes, more than a list of this graph's 10 node ids needs") {
            try NodeSelection.parse("/dev/zero", nodeCount: 10)
        }
    }
}

/// A model file must hold exactly the tensors its architecture reads.
final class ModelTensorSetTests: XCTestCase {
    /// res_sage's tensors under metadata edited to 1 layer (of 3), and with its head renamed.
    private func rewritten(_ edit: (inout ModelMetadata) -> Void, renaming: [String: String] = [:]) throws -> ModelFile {
        let source = try ModelFile(path: try Fixtures.modelPath("res_sage"))
        var metadata = source.metadata
        edit(&metadata)
        var writer = ModelFileWriter(metadata: metadata, compressionLevel: 1)
        for tensor in source.tensors {
            try writer.add(renaming[tensor.name] ?? tensor.name, shape: tensor.shape, rawBytes: try source.decodedBytes(tensor),
                           dtype: tensor.dtype, isBuffer: tensor.isBuffer)
        }
        let path = Fixtures.scratch + "/edited-\(UUID().uuidString).gnnz"
        _ = try writer.write(to: path)
        return try ModelFile(path: path)
    }

    func testStoredLayersTheMetadataDoesNotCountAreRefused() throws {
        let file = try rewritten { $0.architecture.layers = 1 }
        assertGNNError("its tensors are not those its architecture (resgnn, 1 layers, sage) reads — ") { try GNNModel(file) }
        assertGNNError("unexpected: layers.1.") { try WeightAudit.check(file) }
        assertGNNError("; the metadata or tensor table was altered; export the model again") { try WeightAudit.check(file) }
    }

    func testRenamedHeadTensorIsRefused() throws {
        let file = try rewritten({ _ in }, renaming: ["lin.weight": "lin.weights"])
        assertGNNError("1 missing: lin.weight [4, 8]; 1 unexpected: lin.weights [4, 8]") { try WeightAudit.check(file) }
    }

    func testUntouchedModelPasses() throws {
        XCTAssertNoThrow(try WeightAudit.check(try rewritten { _ in }))
    }
}
