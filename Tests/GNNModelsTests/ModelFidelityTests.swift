import Foundation
import GNNFormats
@testable import GNNKernels
import TestSupport
@testable import GNNModels
import XCTest

/// Every model of the fixture set against PyG's eval-mode output on the same weights and graph.
final class ModelFidelityTests: XCTestCase {
    func testEveryConfigurationMatchesPyG() throws {
        let graph = try GraphFile(path: Fixtures.graphPath)
        let names = Fixtures.modelConfigurations
        XCTAssertGreaterThan(names.count, 15, "fixtures missing: run scripts/fixtures/make_engine_fixtures.py")
        for name in names {
            let model = try GNNModel(ModelFile(path: try Fixtures.modelPath(name)))
            let result = try ForwardPass.run(model, on: graph)
            let expected = try Fixtures.npy("\(Fixtures.models)/\(name)/expected.npy")
            let error = relativeL2(result.outputs, expected)
            XCTAssertLessThanOrEqual(error, 1e-5, "\(name): relative L2 error \(error)")
        }
    }

    /// The fixture graph stored in METIS order (5 parts of 8 nodes): the engine runs on file rows, and
    /// row `row(ofInputID: v)` must hold PyG's output for node v.
    func testReorderedGraphGivesPyGOutputsForEveryNode() throws {
        let graph = try GraphFile(path: Fixtures.metisGraphPath)
        let numbering = try NodeNumbering(graph)
        XCTAssertFalse(numbering.isIdentity)
        for name in ["rev_sage", "rev_gat_h2_edge", "rev_gen_softmax_edge_msgnorm", "res_gcn_graphnorm"] {
            let model = try GNNModel(ModelFile(path: try Fixtures.modelPath(name)))
            let result = try ForwardPass.run(model, on: graph)
            let c = result.columns
            let inInputOrder = (0..<graph.nodeCount).flatMap { v in
                let row = numbering.row(ofInputID: v)
                return result.outputs[row * c..<(row + 1) * c]
            }
            let expected = try Fixtures.npy("\(Fixtures.models)/\(name)/expected.npy")
            XCTAssertLessThanOrEqual(relativeL2(inInputOrder, expected), 1e-5, name)
        }
    }

    /// Half-precision storage changes the weights, so outputs move; the bound documents how far.
    func testHalfPrecisionWeightsStayClose() throws {
        let graph = try GraphFile(path: Fixtures.graphPath)
        for (dtype, bound) in [(DType.float16, 5e-3), (DType.bfloat16, 4e-2)] {
            for name in ["rev_sage", "rev_gen_softmax_edge_msgnorm", "rev_gat_h2_edge"] {
                let model = try GNNModel(ModelFile(path: try Fixtures.modelPath(name, dtype: dtype)))
                let result = try ForwardPass.run(model, on: graph)
                let expected = try Fixtures.npy("\(Fixtures.models)/\(name)/expected.npy")
                XCTAssertLessThanOrEqual(relativeL2(result.outputs, expected), bound, "\(name) in \(dtype)")
            }
        }
    }

    func testResultsDoNotDependOnThreadCount() throws {
        try assertSameBitsForAnyThreadCount(["rev_gat_h2_edge", "rev_gen_softmax_edge_msgnorm", "res_gen_edge", "rev_gcn",
                                             "rev_gatv2_h2_edge", "res_gatv2_shared_residual", "wt_rev_gatv2_mean"],
                                            on: try GraphFile(path: Fixtures.graphPath))
    }

    /// The fixture graph is one row block; models without edge features also on a graph of 20 blocks, so
    /// that the thread split could matter.
    func testResultsDoNotDependOnThreadCountOnManyRowBlocks() throws {
        let graph = try Fixtures.randomSortedGraph(nodes: 20 * KernelThreads.blockRows, features: 6, seed: 12)
        try assertSameBitsForAnyThreadCount(["gcnii_64", "gcnii_separate", "res_sage_max", "rev_sage_sum", "rev_gcn"], on: graph)
    }

    /// The in-place grouped update equals PyG's GroupAddRev written out plainly: chunk, y_in = Σ x[1:],
    /// y_i = x_i + f_i(y_in), concatenate — with fresh arrays every layer, on a 200-layer weight-tied model.
    func testInPlaceReversibleEqualsPlainLayerByLayer() throws {
        let graphFile = try GraphFile(path: Fixtures.graphPath)
        let model = try GNNModel(ModelFile(path: try Fixtures.modelPath("wt_rev_sage_deep")))
        let inPlace = try ForwardPass.run(model, on: graphFile).outputs
        XCTAssertEqual(inPlace.map(\.bitPattern), try plainForward(model, graphFile).map(\.bitPattern))
        let expected = try Fixtures.npy("\(Fixtures.models)/wt_rev_sage_deep/expected.npy")
        XCTAssertLessThanOrEqual(relativeL2(inPlace, expected), 1e-5)
    }

    /// On a graph whose hidden state is too large for one source range, the aggregations run cache-blocked
    /// and each block's next norm is computed inside the conv's per-block callback (`BlockChain`); the
    /// result must equal the models written out plainly, block by block with a norm pass of its own.
    func testBlockedChainEqualsPlainLayerByLayer() throws {
        // Just above two source ranges of 64 channels; two reversible layers (the hand-over from a layer's
        // last group to the next layer's first) and three residual ones.
        let n = 2 * SourceBlocking.segmentBytes / (64 * 4) + 500, features = 4
        let graphFile = try Fixtures.randomSortedGraph(nodes: n, features: features, seed: 5)
        let csr = GraphContext(graphFile).csr
        XCTAssertGreaterThan(graphFile.edgeCount, 3 * n)
        var gatOptions = GATOptions()
        gatOptions.heads = 2
        let gat = ConvSpec.gat(gatOptions), sage = ConvSpec.sage(SAGEOptions())
        for (family, conv, hidden, groups, layers) in [(ModelArchitecture.Family.revgnn, sage, 128, 2, 2), (.resgnn, sage, 64, 1, 3),
                                                       (.revgnn, gat, 128, 2, 2)] {
            let d = hidden / groups
            XCTAssertTrue(SourceBlocking.applies(to: csr, rowBytes: d * 4), "the blocked path must run")
            XCTAssertLessThan(SourceBlocking.rowsPerSegment(csr, rowBytes: d * 4), n, "more than one source range")
            let model = try GNNModel(ModelFile(path: try randomModel(family, conv: conv, layers: layers, groups: groups,
                                                                     input: features, hidden: hidden, output: 4, seed: 6)))
            let chained = try ForwardPass.run(model, on: graphFile).outputs
            XCTAssertEqual(chained.map(\.bitPattern), try plainForward(model, graphFile).map(\.bitPattern), "\(family) \(conv.kind)")
        }
    }

    /// A reversible or residual model's forward pass written out plainly in fresh arrays: every block
    /// normalises its input in a pass of its own (`GNNBlock.forward`), and reversible groups are chunked
    /// and concatenated around each layer as PyG's GroupAddRev does.
    private func plainForward(_ model: GNNModel, _ graphFile: GraphFile) throws -> [Float] {
        let graph = GraphContext(graphFile), workspace = Workspace(), n = graph.nodeCount
        var features = [Float](repeating: 0, count: n * graphFile.featureCount)
        graphFile.nodeFeatures.copyRows(0..<n, into: &features)
        var x: [Float], finalNorm: Norm, head: Linear
        switch model.body {
        case .reversible(let body):
            let hidden = body.architecture.hiddenChannels, groups = body.architecture.groups, d = hidden / groups
            x = [Float](repeating: 0, count: n * hidden)
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
                    try blocks[g].forward(yIn, normedInto: &normed, graph: graph, workspace: workspace, addingInto: &y)
                    yIn = y
                    ys.append(y)
                }
                x = []
                for v in 0..<n {
                    for g in 0..<groups { x += ys[g][(v * d)..<((v + 1) * d)] }
                }
            }
            (finalNorm, head) = (body.finalNorm, body.lin2)
        case .residual(let body):
            let hidden = body.architecture.hiddenChannels
            var encoded = [Float](repeating: 0, count: n * hidden)
            body.encoder.apply(features, rows: n, into: &encoded)
            let first = try body.layers.layer(0)
            x = [Float](repeating: 0, count: n * hidden)
            try first.conv.forward(encoded, graph: graph, workspace: workspace, into: &x)
            for step in 1..<body.architecture.layers {
                var normed = [Float](repeating: 0, count: n * hidden), state = x
                try body.layers.layer(step).block.forward(x, normedInto: &normed, graph: graph, workspace: workspace,
                                                          addingInto: &state)
                x = state
            }
            (finalNorm, head) = (first.norm, body.head)
        case .equilibrium, .gcnii:
            throw GNNError("no plain form of this family")
        }
        finalNorm.apply(&x, rows: n, channels: x.count / n)
        x = x.map { max($0, 0) }
        var out = [Float](repeating: 0, count: n * head.outChannels)
        head.apply(x, rows: n, into: &out)
        return out
    }

    /// A model of `family` with layer norms and SAGE (mean) or GAT (concatenated heads) convs, seeded
    /// weights of PyTorch's default initialisation scale, written to the scratch folder.
    private func randomModel(_ family: ModelArchitecture.Family, conv: ConvSpec, layers: Int, groups: Int, input: Int,
                             hidden: Int, output: Int, seed: UInt64) throws -> String {
        let architecture = ModelArchitecture(family: family, layers: layers, groups: groups, inputChannels: input,
                                             hiddenChannels: hidden, outputChannels: output, task: .multiClass,
                                             norm: .layer, conv: conv)
        var writer = ModelFileWriter(metadata: ModelMetadata(architecture: architecture, producer: "tests"), compressionLevel: 1)
        var generator = SeededGenerator(seed: seed)
        func add(_ name: String, _ shape: [Int], around center: Float = 0) throws {
            let bound = 1 / Float(shape.last!).squareRoot()
            try writer.add(name, shape: shape, values: (0..<shape.reduce(1, *)).map { _ in
                center + Float.random(in: -bound...bound, using: &generator)
            })
        }
        func linear(_ prefix: String, in inputs: Int, out outputs: Int, bias: Bool = true) throws {
            try add("\(prefix).weight", [outputs, inputs])
            if bias { try add("\(prefix).bias", [outputs]) }
        }
        func block(_ prefix: String, norm: String, channels: Int) throws {
            try add("\(norm).weight", [channels], around: 1)
            try add("\(norm).bias", [channels])
            if case .gat(let options) = conv {
                let heads = options.heads
                try linear("\(prefix).lin", in: channels, out: channels, bias: false)
                try add("\(prefix).att_src", [1, heads, channels / heads])
                try add("\(prefix).att_dst", [1, heads, channels / heads])
                try add("\(prefix).bias", [channels])
            } else {
                try linear("\(prefix).lin_l", in: channels, out: channels)
                try linear("\(prefix).lin_r", in: channels, out: channels, bias: false)
            }
        }
        let d = hidden / groups
        if family == .revgnn {
            try linear("lin1", in: input, out: hidden)
            for layer in 0..<layers {
                for group in 0..<groups {
                    let prefix = "convs.\(layer).convs.\(group)"
                    try block("\(prefix).conv", norm: "\(prefix).norm", channels: d)
                }
            }
            try add("norm.weight", [hidden], around: 1)
            try add("norm.bias", [hidden])
            try linear("lin2", in: hidden, out: output)
        } else {
            try linear("node_encoder", in: input, out: hidden)
            for layer in 0..<layers {
                try block("layers.\(layer).conv", norm: "layers.\(layer).norm", channels: hidden)
            }
            try linear("lin", in: hidden, out: output)
        }
        let path = Fixtures.scratch + "/random-\(family.rawValue)-\(conv.kind)-\(seed).gnnz"
        try writer.write(to: path)
        return path
    }

    func testModelAndGraphMismatchIsRefused() throws {
        let graph = try GraphFile(path: Fixtures.graphPath)
        // res_gen_edge reads edge features: a graph without them must be refused.
        let model = try GNNModel(ModelFile(path: try Fixtures.modelPath("res_gen_edge")))
        XCTAssertNoThrow(try ForwardPass.checkCompatible(model, graph))
        XCTAssertThrowsError(try ForwardPass.checkCompatible(model, edgelessGraph(nodes: 2, features: 6))) { error in
            XCTAssertTrue("\(error)".contains("reads 3 edge features but the graph has none"), "\(error)")
        }
        let other = try GNNModel(ModelFile(path: try Fixtures.modelPath("rev_sage")))
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
        let path = Fixtures.scratch + "/edgeless-\(nodes)x\(features).bin"
        try writer.write(to: path)
        return try GraphFile(path: path)
    }
}

extension GNNBlock {
    /// out += conv(activation(norm(x))) in two plain steps, the norm in a pass of its own into `normed`: the
    /// reference for `BlockChain`, which fuses the norm into the previous block.
    func forward(_ x: UnsafePointer<Float>, normedInto normed: UnsafeMutablePointer<Float>, graph: GraphContext,
                 workspace: Workspace, addingInto out: UnsafeMutablePointer<Float>) throws {
        norm.apply(normed, from: x, rows: graph.nodeCount, channels: conv.inChannels, activation: activation)
        try conv.forward(normed, graph: graph, workspace: workspace, addingInto: out)
    }
}
