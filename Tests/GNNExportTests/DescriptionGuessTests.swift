import Foundation
import GNNExport
import GNNFormats
import TestSupport
import XCTest

/// `gnn-export --guess`: drafts inferred from the fixtures' weights alone equal their descriptions where the
/// weights decide every choice (the defaults assumed for the rest are those the fixtures use).
final class DescriptionGuessTests: XCTestCase {
    func testDraftsOfTheFixturesEqualTheirDescriptions() throws {
        for name in ["rev_sage", "rev_gcn", "rev_gat_h2_edge", "rev_gatv2_h2_edge", "rev_gen_softmax_edge_msgnorm",
                     "rev_batchnorm_blocks_layernorm_head", "rev_sage_norm_project", "res_sage", "res_gen_edge"] {
            let folder = "\(Fixtures.models)/\(name)"
            var described = try ArchitectureDescription(path: folder + "/arch.json").architecture
            let draft = try DescriptionGuess(weights: folder + "/weights.safetensors", options: ExportOptions())
            // normalize adds no tensor: the draft assumes PyG's default, false.
            if case .sage(var options) = described.conv { options.normalize = false; described.conv = .sage(options) }
            XCTAssertEqual(draft.architecture, described, name)
            XCTAssertTrue(draft.assumptions.contains { $0.hasPrefix("task multi-class and activation relu") }, name)
            XCTAssertFalse(draft.assumptions.contains { $0.hasPrefix("the draft leaves") }, "\(name): \(draft.assumptions)")
        }
    }

    func testWeightsOfNoKnownLayoutAreRefused() throws {
        let folder = "\(Fixtures.models)/rev_sage"
        let options = ExportOptions(keyMap: ["lin1.": "encoder."])
        assertGNNError("has neither the layout of PyG's examples/rev_gnn.py") {
            _ = try DescriptionGuess(weights: folder + "/weights.safetensors", options: options)
        }
    }
}
