import GNNKernels
@testable import GNNModels
import XCTest

/// GCN's symmetric normalisation by hand, on KernelTests' graph: node 0 ← 1, 1 (the edge 1→0 twice); node 1
/// has no incoming edge; node 2 ← 2 (a self loop).
final class GCNNormalizationTests: XCTestCase {
    let offsets: [UInt64] = [0, 2, 2, 3]
    let sources: [UInt32] = [1, 1, 2]

    private func withGraph<R>(_ body: (CSRGraph) -> R) -> R {
        offsets.withUnsafeBufferPointer { o in
            sources.withUnsafeBufferPointer { s in
                body(CSRGraph(nodeCount: 3, edgeCount: 3, offsets: o.baseAddress!, sources: s.baseAddress!))
            }
        }
    }

    /// deg = [2 + 1, 0 + 1, 0 + 1 (the existing loop becomes the one loop)], so
    /// out0 = 2 · 3^-½ · x1 + ⅓ · x0, out1 = x1, out2 = x2.
    func testGCNNormalisationByHand() {
        let coefficients = withGraph { GCNNormalization($0, addSelfLoops: true) }
        let s = 1 / Float(3).squareRoot()
        XCTAssertEqual(coefficients.edgeWeights[0], s, accuracy: 1e-7)
        XCTAssertEqual(coefficients.edgeWeights[1], s, accuracy: 1e-7)
        XCTAssertEqual(coefficients.edgeWeights[2], 0)
        XCTAssertEqual(coefficients.selfWeights![0], 1 / 3, accuracy: 1e-7)
        XCTAssertEqual(coefficients.selfWeights![1], 1, accuracy: 1e-7)
        XCTAssertEqual(coefficients.selfWeights![2], 1, accuracy: 1e-7)
        // Without added loops every edge counts once, the loop of node 2 included: deg = [2, 0, 1].
        let plain = withGraph { GCNNormalization($0, addSelfLoops: false) }
        XCTAssertNil(plain.selfWeights)
        XCTAssertEqual(plain.edgeWeights[0], 0, "source 1 has in-degree 0, so deg^-½ is 0 (inf → 0)")
        XCTAssertEqual(plain.edgeWeights[2], 1)
    }
}
