import Foundation
import GNNExport
import GNNFormats
@testable import GNNModels
import TestSupport
import XCTest

/// Each operator alone against PyG (scripts/fixtures/make_operator_fixtures.py): the operator's weights
/// under `op.`, its input `input.x` (N × 8) and PyG's eval output `output`, on the fixture graph.
final class OperatorFidelityTests: XCTestCase {
    struct Description: Decodable {
        var conv: ConvSpec?
        var inChannels: Int
        var outChannels: Int
        var edgeChannels: Int
        /// GCN2Conv's 1-based position in its model.
        var layer: Int?
    }

    /// The operator's tensors, read through the same `WeightReader` the models use.
    private func load(_ op: String) throws -> (WeightReader, Description, input: [Float], expected: [Float]) {
        let (weights, description, file) = try open(op)
        return (weights, description, try file.floats("input.x"), try file.floats("output"))
    }

    private func open(_ op: String) throws -> (WeightReader, Description, SafetensorsFile) {
        let root = Fixtures.models + "/ops/"
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let description = try decoder.decode(Description.self, from: Data(contentsOf: URL(fileURLWithPath: root + op + ".json")))
        let file = try SafetensorsFile(path: root + op + ".safetensors")
        return (WeightReader(source: SafetensorsWeights(file: file)), description, file)
    }

    func testConvolutionsMatchPyG() throws {
        let graph = GraphContext(try GraphFile(path: Fixtures.graphPath))
        let ops = ["gcn", "gcn_improved", "gcn_no_norm", "sage", "sage_normalize", "sage_project", "gat_h2",
                   "gat_h2_concat_false", "gat_edge", "gat_residual", "gatv2_h2", "gatv2_h2_concat_false", "gatv2_edge",
                   "gatv2_share_weights", "gatv2_residual", "gen_softmax_learn_t", "gen_softmax_edge",
                   "gen_powermean", "gen_max", "gen_msgnorm", "sage_sum", "sage_max"]
        for op in ops {
            let (weights, description, input, expected) = try load(op)
            let conv = try makeConvolution(description.conv!, weights, "op", channels: description.inChannels,
                                           edgeChannels: description.edgeChannels)
            var out = [Float](repeating: .nan, count: graph.nodeCount * description.outChannels)
            try conv.forward(input, graph: graph, workspace: Workspace(), into: &out)
            let error = relativeL2(out, expected)
            XCTAssertLessThanOrEqual(error, 1e-5, "\(op): relative L2 error \(error)")
        }
    }

    /// GCN2Conv with shared and separate weights, with and without theta, with and without normalisation,
    /// at layer 3 of its model, reading the initial features `input.x0`.
    func testGCN2ConvMatchesPyG() throws {
        let graph = GraphContext(try GraphFile(path: Fixtures.graphPath))
        for op in ["gcn2", "gcn2_separate", "gcn2_no_theta", "gcn2_separate_no_theta", "gcn2_no_norm"] {
            let (weights, description, file) = try open(op)
            guard case .gcn2(let options) = description.conv else { return XCTFail("\(op) is not gcn2") }
            let conv = try GCN2Convolution(options, weights, "op", channels: description.inChannels, layer: try XCTUnwrap(description.layer))
            var out = [Float](repeating: .nan, count: graph.nodeCount * description.outChannels)
            conv.forward(try file.floats("input.x"), initial: try file.floats("input.x0"), graph: graph, into: &out)
            let error = relativeL2(out, try file.floats("output"))
            XCTAssertLessThanOrEqual(error, 1e-5, "\(op): relative L2 error \(error)")
        }
    }

    func testNormsAndLinearMatchPyG() throws {
        let n = 40
        for (op, kind) in [("layernorm", ModelArchitecture.Norm.layer), ("batchnorm", .batch)] {
            let (weights, _, input, expected) = try load(op)
            var x = input
            try Norm(NormSpec(kind: kind), weights, "op", channels: 8).apply(&x, rows: n, channels: 8)
            XCTAssertLessThanOrEqual(relativeL2(x, expected), 1e-6, op)
        }
        let (weights, _, input, expected) = try load("linear")
        var out = [Float](repeating: .nan, count: n * 5)
        try Linear(weights, "op", in: 8, out: 5).apply(input, rows: n, into: &out)
        XCTAssertLessThanOrEqual(relativeL2(out, expected), 1e-6, "linear")
    }
}

/// A safetensors file's tensors as a `WeightSource`, shapes checked as a model file's are.
private struct SafetensorsWeights: WeightSource {
    let file: SafetensorsFile

    func tensor(_ name: String, shape: [Int], required: Bool) throws -> [Float]? {
        guard let entry = file.tensor(named: name) else {
            if required { throw GNNError("lacks \(name)") }
            return nil
        }
        guard Self.shape(entry.shape, serves: shape) else { throw GNNError("\(name) has shape \(entry.shape), expected \(shape)") }
        return try file.floats(name)
    }

    func has(_ name: String) -> Bool { file.tensor(named: name) != nil }

    func releaseDecodedData() {}
}
