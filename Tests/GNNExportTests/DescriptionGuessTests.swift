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
            // The fixtures' BatchNorms have PyG's default eps, as the draft assumes.
            XCTAssertEqual(draft.architecture, described, name)
            XCTAssertTrue(draft.assumptions.contains { $0.hasPrefix("task multi-class and activation relu") }, name)
            XCTAssertFalse(draft.assumptions.contains { $0.hasPrefix("the draft leaves") }, "\(name): \(draft.assumptions)")
        }
    }

    /// On every fixture model: the draft, with each choice its assumptions name set to the value the
    /// model was built with (and nothing else), exports the same bytes as the fixture's own description.
    func testEveryFixtureExportsTheSameBytesFromItsDraftOnceTheAssumptionsAreConfirmed() throws {
        let root = URL(fileURLWithPath: Fixtures.models)
        let folders = try FileManager.default.contentsOfDirectory(atPath: root.path).map { "\(root.path)/\($0)" }
            + FileManager.default.contentsOfDirectory(atPath: root.path + "/deq").map { "\(root.path)/deq/\($0)" }
        // The file records when it was written: both exports are stamped with the same time.
        setenv("SOURCE_DATE_EPOCH", "1764460800", 1)
        defer { unsetenv("SOURCE_DATE_EPOCH") }
        var checked = 0
        for folder in folders.sorted() where FileManager.default.fileExists(atPath: folder + "/arch.json") {
            let name = URL(fileURLWithPath: folder).lastPathComponent
            let description = try ArchitectureDescription(path: folder + "/arch.json")
            let draft = try DescriptionGuess(weights: folder + "/weights.safetensors", options: description.export)
            XCTAssertFalse(draft.assumptions.contains { $0.hasPrefix("the draft leaves") }, "\(name): \(draft.assumptions)")
            var confirmed = description
            confirmed.architecture = Self.confirm(draft, by: description.architecture)
            XCTAssertEqual(confirmed.architecture, description.architecture, "\(name): \(draft.assumptions)")
            let fromDraft = try export(folder, confirmed), fromDescription = try export(folder, description)
            XCTAssertEqual(FileManager.default.contents(atPath: fromDraft), FileManager.default.contents(atPath: fromDescription), name)
            checked += 1
        }
        XCTAssertEqual(checked, 52, "every fixture model with a description")
    }

    /// The draft with the choices its assumptions name taken from `built`: what a user does on reading them.
    private static func confirm(_ draft: DescriptionGuess, by built: ModelArchitecture) -> ModelArchitecture {
        var architecture = draft.architecture
        for assumption in draft.assumptions {
            if assumption.hasPrefix("task ") {
                (architecture.task, architecture.activation) = (built.task, built.activation)
                if let activation = built.head?.activation {
                    var head = architecture.head ?? HeadSpec()
                    head.activation = activation
                    architecture.head = head
                }
            } else if assumption.hasPrefix("one layer stored") {
                architecture.layers = built.layers
            } else if assumption.hasPrefix("solver ") {
                architecture.solver = built.solver
            } else if assumption.hasPrefix("block ") {
                (architecture.block, architecture.head) = (built.block, built.head)
            } else if assumption.hasPrefix("norm.") {
                architecture.head = built.head
            } else if assumption.contains(".* is torch.nn.") {
                architecture.norm = built.norm
            } else if ["SAGEConv", "GCNConv", "GATConv", "GATv2Conv", "GENConv", "GCN2Conv"].contains(where: { assumption.hasPrefix($0 + " ") }) {
                // Options that add no tensor; those that do were read from the weights and are kept.
                architecture.conv = built.conv
            }
        }
        return architecture
    }

    private func export(_ folder: String, _ description: ArchitectureDescription) throws -> String {
        let output = temporaryPath("guess-\(UUID().uuidString).gnnz")
        var request = ModelImporter.Request(weights: folder + "/weights.safetensors", description: description, output: output)
        request.name = "guess"
        try ModelImporter.export(request)
        return output
    }

    func testWeightsOfNoKnownLayoutAreRefused() throws {
        let folder = "\(Fixtures.models)/rev_sage"
        let options = ExportOptions(keyMap: ["lin1.": "encoder."])
        assertGNNError("has none of the layouts of PyG's examples/rev_gnn.py") {
            _ = try DescriptionGuess(weights: folder + "/weights.safetensors", options: options)
        }
    }
}
