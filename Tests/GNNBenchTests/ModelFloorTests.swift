import GNNBench
import GNNFormats
import XCTest

/// The roofline floor's work counts, against counts done by hand for tiny models (N = 10, M = 20).
final class ModelFloorTests: XCTestCase {
    private func architecture(_ family: ModelArchitecture.Family, conv: ConvSpec, solver: SolverSpec? = nil) -> ModelArchitecture {
        ModelArchitecture(family: family, layers: 2, groups: family == .revgnn ? 2 : 1, inputChannels: 3, hiddenChannels: 4,
                          outputChannels: 2, task: .multiClass, norm: .layer, conv: conv, solver: solver)
    }

    private func summary(_ terms: [FloorTerm]) -> [String] {
        terms.map { "\($0.calls) x \(Int($0.bytes)) B \(Int($0.flops)) flop" + ($0.gather.map { " gather \($0.rows)x\($0.rowBytes)" } ?? "") }
    }

    func testReversibleSAGECountsEachGroupsNormAggregationProductsAndUpdate() throws {
        let terms = try ModelFloor.terms(architecture(.revgnn, conv: .sage(SAGEOptions())), nodes: 10, edges: 20, evaluations: nil)
        // Groups of d = 2 channels, L·G = 4 convolutions. Input: 10·3 + 10·4 floats, 2·10·3·4 flops. Norm: read
        // and write 10·2 floats. Aggregation: offsets 8·11 + sources 4·20 + input and output 10·2 floats each.
        // Products lin_l and lin_r: 3 × 10·2 floats, 2·2·10·2·2 flops. Update: 3 × 10·2 floats. Head: norm 2 ×
        // 10·4 floats; linear 10·4 + 10·2 floats, 2·10·4·2 flops.
        XCTAssertEqual(summary(terms), [
            "1 x 280 B 240 flop", "4 x 160 B 0 flop", "4 x 328 B 0 flop gather 20x8", "4 x 240 B 160 flop",
            "4 x 240 B 0 flop", "1 x 320 B 0 flop", "1 x 240 B 160 flop",
        ])
    }

    func testDEQCountsTwoConvolutionsAnEvaluationAndTheAndersonHistory() throws {
        let solver = SolverSpec(method: .anderson, tolerance: 1e-4, maxIterations: 30, memory: 2)
        let terms = try ModelFloor.terms(architecture(.deq, conv: .gcn(GCNOptions()), solver: solver), nodes: 10, edges: 20,
                                         evaluations: 4)
        // 8 GCN convolutions of 4 channels: product 2 × 10·4 floats, 2·10·4·4 flops; weighted sum 8·11 + 4·20 +
        // 4·10 (coefficients) + 2 × 10·4 floats. Add + norm + ReLU 3 × 10·4 floats. Anderson, memory 2, 4 steps:
        // 3 + (3·1 + 4) + (3·2 + 4) + (3·2 + 4) = 30 arrays of 10·4 floats. No head norm: the head linear only.
        XCTAssertEqual(summary(terms), [
            "1 x 280 B 240 flop", "8 x 320 B 320 flop", "8 x 528 B 0 flop gather 20x16", "8 x 480 B 0 flop",
            "1 x 4800 B 0 flop", "1 x 240 B 160 flop",
        ])
        XCTAssertThrowsError(try ModelFloor.terms(architecture(.deq, conv: .gcn(GCNOptions()), solver: solver), nodes: 10,
                                                  edges: 20, evaluations: nil))
    }

    func testConvolutionsWithoutAFloorModelAreRefused() {
        XCTAssertThrowsError(try ModelFloor.terms(architecture(.resgnn, conv: .gat(GATOptions())), nodes: 10, edges: 20,
                                                  evaluations: nil)) { error in
            XCTAssertTrue("\(error)".contains("no floor model for gat"), "\(error)")
        }
    }
}
