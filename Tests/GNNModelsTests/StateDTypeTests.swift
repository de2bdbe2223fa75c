import Foundation
import GNNFormats
@testable import GNNKernels
import TestSupport
@testable import GNNModels
import XCTest

/// `--state-dtype bf16|f16` on every fixture model against PyG's float32 outputs: within the tolerance the
/// README states, or refused before any work with a message naming the option.
final class StateDTypeTests: XCTestCase {
    /// The documented bounds on the relative L2 error of the logits (README, "16-bit node state"), and the
    /// fixtures the README names as beyond them: four groups of 2 channels (layer norms over 2 values
    /// magnify the state's rounding), 200 weight-tied layers, and a GEN softmax with a fixed large t.
    /// PyG with every stored result rounded (bench/engine/state_dtype_emulation.py) lands at the same place.
    static func tolerance(_ name: String, _ dtype: StateDType) -> Double {
        let bounds: [String: (bf16: Double, f16: Double)] = [
            "rev_sage_4groups": (8e-2, 3e-2), "wt_rev_sage_deep": (8e-2, 1e-2), "rev_gen_fixed_t": (2e-2, 4e-3),
        ]
        let bound = bounds[name] ?? (1e-2, 1.5e-3)
        return dtype == .bf16 ? bound.bf16 : bound.f16
    }

    func testEveryFixtureMeetsItsToleranceOrIsRefused() throws {
        let graph = try GraphFile(path: Fixtures.graphPath)
        var supported = 0
        for name in Fixtures.modelConfigurations {
            let model = try GNNModel(ModelFile(path: try Fixtures.modelPath(name)))
            let expected = try Fixtures.npy("\(Fixtures.models)/\(name)/expected.npy")
            let runs = (try? StateDTypeSupport.check(model.architecture, .bf16)) != nil
            for dtype in [StateDType.bf16, .f16] {
                guard runs else {
                    assertGNNError("--state-dtype \(dtype.rawValue) is not built") { try ForwardPass.run(model, on: graph, stateDType: dtype) }
                    continue
                }
                let outputs = try ForwardPass.run(model, on: graph, stateDType: dtype).outputs
                let error = relativeL2(outputs, expected)
                XCTAssertLessThanOrEqual(error, Self.tolerance(name, dtype), "\(name) with a \(dtype) state: relative L2 \(error)")
                XCTAssertGreaterThan(error, 0, "\(name): a \(dtype) state must round something")
            }
            if runs { supported += 1 }
        }
        XCTAssertGreaterThanOrEqual(supported, 40, "reversible and residual fixtures with row-wise norms")
    }

    /// The f32 default is the float32 engine itself: the same bits as a run that does not name it.
    func testFloat32StateIsTheDefault() throws {
        let graph = try GraphFile(path: Fixtures.graphPath)
        for name in ["rev_sage", "proteins_deepgcn", "res_block_plain_batchnorm"] {
            let model = try GNNModel(ModelFile(path: try Fixtures.modelPath(name)))
            XCTAssertEqual(try ForwardPass.run(model, on: graph, stateDType: .f32).outputs.map(\.bitPattern),
                           try ForwardPass.run(model, on: graph).outputs.map(\.bitPattern), name)
        }
    }

    func testSixteenBitResultsDoNotDependOnThreadCount() throws {
        let graph = try Fixtures.randomSortedGraph(nodes: 20 * KernelThreads.blockRows, features: 6, seed: 12)
        for dtype in [StateDType.bf16, .f16] {
            try assertSameBitsForAnyThreadCount(["rev_sage_sum", "res_sage_max", "rev_gcn", "rev_sage_4groups",
                                                 "res_block_plain_batchnorm", "wt_rev_gatv2_mean"], on: graph, stateDType: dtype)
        }
    }

    /// Features of 10^6 drive lin1's outputs past float16's 65,504: the run fails and says so; bf16 holds them.
    func testFloat16OverflowIsReportedNotReturned() throws {
        let graph = try Fixtures.randomSortedGraph(nodes: 300, features: 6, seed: 5, scale: 1e6)
        let model = try GNNModel(ModelFile(path: try Fixtures.modelPath("rev_sage_sum")))
        assertGNNError("float16 state overflowed") { try ForwardPass.run(model, on: graph, stateDType: .f16) }
        XCTAssertTrue(try ForwardPass.run(model, on: graph, stateDType: .bf16).outputs.allSatisfy(\.isFinite))
    }

    /// A 16-bit run needs less memory than a float32 one, and the estimate says so.
    func testSixteenBitMemoryNeedIsSmaller() throws {
        let model = try GNNModel(ModelFile(path: try Fixtures.modelPath("rev_sage")))
        let nodes = 1_000_000, hidden = UInt64(model.architecture.hiddenChannels), outputs = UInt64(model.architecture.outputChannels)
        XCTAssertEqual(ForwardPass.memoryNeed(model, nodes: nodes, solver: nil), UInt64(nodes) * (12 * hidden + 4 * outputs))
        XCTAssertEqual(ForwardPass.memoryNeed(model, nodes: nodes, solver: nil, stateDType: .bf16), UInt64(nodes) * (8 * hidden + 4 * outputs))
    }
}
