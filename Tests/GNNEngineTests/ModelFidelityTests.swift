import Foundation
import GNNFormats
import GNNKernels
@testable import GNNModels
import XCTest

/// Every model of the fixture set against PyG's eval-mode output on the same weights and graph.
final class ModelFidelityTests: XCTestCase {
    func testEveryConfigurationMatchesPyG() throws {
        let graph = try GraphFile(path: EngineFixtures.graphPath)
        let names = EngineFixtures.modelConfigurations
        XCTAssertGreaterThan(names.count, 15, "fixtures missing: run scripts/fixtures/make_engine_fixtures.py")
        for name in names {
            let model = try GNNModel(ModelFile(path: try EngineFixtures.modelPath(name)))
            let result = try ForwardPass.run(model, on: graph)
            let expected = try EngineFixtures.npy("\(EngineFixtures.root)/\(name)/expected.npy")
            let error = relativeL2(result.outputs, expected)
            XCTAssertLessThanOrEqual(error, 1e-5, "\(name): relative L2 error \(error)")
        }
    }

    /// The fixture graph stored in METIS order (5 parts of 8 nodes): the engine runs on file rows, and
    /// row `row(ofInputID: v)` must hold PyG's output for node v.
    func testReorderedGraphGivesPyGOutputsForEveryNode() throws {
        let graph = try GraphFile(path: EngineFixtures.metisGraphPath)
        let numbering = try NodeNumbering(graph)
        XCTAssertFalse(numbering.isIdentity)
        for name in ["rev_sage", "rev_gat_h2_edge", "rev_gen_softmax_edge_msgnorm", "res_gcn_graphnorm"] {
            let model = try GNNModel(ModelFile(path: try EngineFixtures.modelPath(name)))
            let result = try ForwardPass.run(model, on: graph)
            let c = result.columns
            let inInputOrder = (0..<graph.nodeCount).flatMap { v in
                let row = numbering.row(ofInputID: v)
                return result.outputs[row * c..<(row + 1) * c]
            }
            let expected = try EngineFixtures.npy("\(EngineFixtures.root)/\(name)/expected.npy")
            XCTAssertLessThanOrEqual(relativeL2(inInputOrder, expected), 1e-5, name)
        }
    }

    /// Half-precision storage changes the weights, so outputs move; the bound documents how far.
    func testHalfPrecisionWeightsStayClose() throws {
        let graph = try GraphFile(path: EngineFixtures.graphPath)
        for (dtype, bound) in [(DType.float16, 5e-3), (DType.bfloat16, 4e-2)] {
            for name in ["rev_sage", "rev_gen_softmax_edge_msgnorm", "rev_gat_h2_edge"] {
                let model = try GNNModel(ModelFile(path: try EngineFixtures.modelPath(name, dtype: dtype)))
                let result = try ForwardPass.run(model, on: graph)
                let expected = try EngineFixtures.npy("\(EngineFixtures.root)/\(name)/expected.npy")
                XCTAssertLessThanOrEqual(relativeL2(result.outputs, expected), bound, "\(name) in \(dtype)")
            }
        }
    }

    func testResultsDoNotDependOnThreadCount() throws {
        let graph = try GraphFile(path: EngineFixtures.graphPath)
        defer { KernelThreads.configure(threads: 0) }
        for name in ["rev_gat_h2_edge", "rev_gen_softmax_edge_msgnorm", "res_gen_edge", "rev_gcn"] {
            let model = try GNNModel(ModelFile(path: try EngineFixtures.modelPath(name)))
            var runs: [[Float]] = []
            for threads in [1, 2, 4] {
                KernelThreads.configure(threads: threads)
                runs.append(try ForwardPass.run(model, on: graph).outputs)
            }
            XCTAssertEqual(runs[0].map(\.bitPattern), runs[1].map(\.bitPattern), "\(name): 1 vs 2 threads")
            XCTAssertEqual(runs[0].map(\.bitPattern), runs[2].map(\.bitPattern), "\(name): 1 vs 4 threads")
        }
    }

    /// The in-place grouped update equals PyG's GroupAddRev written out plainly: chunk, y_in = Σ x[1:],
    /// y_i = x_i + f_i(y_in), concatenate — with fresh arrays every layer, on a 200-layer weight-tied model.
    func testInPlaceReversibleEqualsPlainLayerByLayer() throws {
        let graphFile = try GraphFile(path: EngineFixtures.graphPath)
        let model = try GNNModel(ModelFile(path: try EngineFixtures.modelPath("wt_rev_sage_deep")))
        guard case .reversible(let body) = model.body else { return XCTFail("not reversible") }
        let inPlace = try ForwardPass.run(model, on: graphFile).outputs

        let graph = GraphContext(graphFile), workspace = Workspace()
        let n = graph.nodeCount, hidden = body.architecture.hiddenChannels, groups = body.architecture.groups, d = hidden / groups
        var features = [Float](repeating: 0, count: n * graphFile.featureCount)
        graphFile.nodeFeatures.copyRows(0..<n, into: &features)
        var x = [Float](repeating: 0, count: n * hidden)
        body.lin1.apply(features, rows: n, into: &x)
        for layer in 0..<body.architecture.layers {
            let blocks = try body.blocks.layer(layer)
            var xs = [[Float]](repeating: [], count: groups)
            for g in 0..<groups {
                for v in 0..<n {
                    let start = v * hidden + g * d
                    xs[g] += x[start..<start + d]
                }
            }
            var yIn = xs[1]
            for g in 2..<max(groups, 2) { yIn = zip(yIn, xs[g]).map { $0 + $1 } }
            var ys: [[Float]] = []
            for g in 0..<groups {
                // y_g = x_g + f_g(y_in) in fresh arrays (the block adds its output to y_g as the model does).
                var normed = [Float](repeating: 0, count: n * d), y = xs[g]
                blocks[g].forward(yIn, normedInto: &normed, graph: graph, workspace: workspace, addingInto: &y)
                yIn = y
                ys.append(y)
            }
            x = []
            for v in 0..<n {
                for g in 0..<groups { x += ys[g][(v * d)..<((v + 1) * d)] }
            }
        }
        body.finalNorm.apply(&x, rows: n, channels: hidden)
        x = x.map { max($0, 0) }
        var plain = [Float](repeating: 0, count: n * body.architecture.outputChannels)
        body.lin2.apply(x, rows: n, into: &plain)
        XCTAssertEqual(inPlace.map(\.bitPattern), plain.map(\.bitPattern))
        let expected = try EngineFixtures.npy("\(EngineFixtures.root)/wt_rev_sage_deep/expected.npy")
        XCTAssertLessThanOrEqual(relativeL2(inPlace, expected), 1e-5)
    }

    func testModelAndGraphMismatchIsRefused() throws {
        let graph = try GraphFile(path: EngineFixtures.graphPath)
        // res_gen_edge reads edge features: a graph without them must be refused.
        let model = try GNNModel(ModelFile(path: try EngineFixtures.modelPath("res_gen_edge")))
        XCTAssertNoThrow(try ForwardPass.checkCompatible(model, graph))
        XCTAssertThrowsError(try ForwardPass.checkCompatible(model, edgelessGraph(nodes: 2, features: 6))) { error in
            XCTAssertTrue("\(error)".contains("reads 3 edge features but the graph has none"), "\(error)")
        }
        let other = try GNNModel(ModelFile(path: try EngineFixtures.modelPath("rev_sage")))
        XCTAssertThrowsError(try ForwardPass.checkCompatible(other, edgelessGraph(nodes: 1, features: 7))) { error in
            XCTAssertTrue("\(error)".contains("reads 6 features per node but the graph has 7"), "\(error)")
        }
    }

    /// A graph of `nodes` isolated nodes with `features` features each, written to the scratch folder.
    private func edgelessGraph(nodes: Int, features: Int) throws -> GraphFile {
        var writer = GraphFileWriter(nodeCount: nodes, edgeCount: 0)
        writer.add(.rowOffsets, dtype: .uint64, shape: [nodes + 1]) { try $0.write([UInt64](repeating: 0, count: nodes + 1)) }
        writer.add(.sources, dtype: .uint32, shape: [0]) { _ in }
        writer.add(.nodeFeatures, dtype: .float32, shape: [nodes, features]) {
            try $0.write([Float](repeating: 1, count: nodes * features))
        }
        let path = EngineFixtures.scratch + "/edgeless-\(nodes)x\(features).bin"
        try writer.write(to: path)
        return try GraphFile(path: path)
    }
}
