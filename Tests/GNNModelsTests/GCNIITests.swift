import GNNFormats
@testable import GNNKernels
@testable import GNNModels
import TestSupport
import XCTest

/// The gcnii family beyond fidelity and thread-count independence (ModelFidelityTests covers gcnii_64 and
/// gcnii_separate for both): its memory does not depend on depth, and gcn2 stays inside its family.
final class GCNIITests: XCTestCase {
    /// x₀, the state and the conv's output: three N × D buffers whether the model has 4 layers or 64, on
    /// the fixture graph and on one of many row blocks.
    func testWorkspaceIsThreeStatesAtAnyDepth() throws {
        let graphs = [try GraphFile(path: Fixtures.graphPath),
                      try Fixtures.randomSortedGraph(nodes: 5000, features: 6, seed: 11)]
        for graph in graphs {
            var sizes: [Int: Int] = [:]
            for name in ["gcnii_separate", "gcnii_64"] {
                let model = try GNNModel(ModelFile(path: try Fixtures.modelPath(name)))
                let result = try ForwardPass.run(model, on: graph)
                XCTAssertEqual(result.workspaceBytes, 3 * graph.nodeCount * model.architecture.hiddenChannels * 4, name)
                sizes[model.architecture.layers] = result.workspaceBytes
            }
            XCTAssertEqual(sizes[4], sizes[64], "workspace grew with depth")
        }
    }

    /// gcn2 reads x₀, so the families whose blocks see x alone refuse it when the model is built.
    func testGCN2OutsideGCNIIIsRefused() throws {
        let architecture = ModelArchitecture(family: .resgnn, layers: 2, groups: 1, inputChannels: 6, hiddenChannels: 8,
                                             outputChannels: 4, task: .multiClass, norm: .none, conv: .gcn2(GCN2Options(alpha: 0.1)))
        assertGNNError("conv kind gcn2 is only used by the gcnii family") { try WeightAudit(architecture, offered: [:]) }
    }
}
