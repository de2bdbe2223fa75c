import GNNFormats
@testable import GNNImport
import XCTest

/// `AdjacencyMeasure` on hand-made CSR (rows by destination, sorted by source).
final class AdjacencyMeasureTests: XCTestCase {
    /// CSR of `edges` (source, destination) on `nodes` nodes.
    private func measure(_ edges: [(Int, Int)], nodes: Int, knownSymmetric: Bool = false) -> AdjacencyFacts {
        var rows = [[UInt32]](repeating: [], count: nodes)
        for (s, d) in edges { rows[d].append(UInt32(s)) }
        var offsets: [UInt64] = [0]
        for row in rows { offsets.append(offsets.last! + UInt64(row.count)) }
        return AdjacencyMeasure.measure(offsets: offsets, sources: rows.flatMap { $0.sorted() }, knownSymmetric: knownSymmetric)
    }

    func testEveryLowerEdgeMirroredIsNotEnoughWithoutEqualCounts() {
        // 0→1 and 1→0 mirror each other; 2→0 (source above destination) has no 0→2.
        XCTAssertEqual(measure([(0, 1), (1, 0), (2, 0)], nodes: 3), AdjacencyFacts(symmetric: false, selfLoops: .noLoops))
        XCTAssertEqual(measure([(0, 1), (1, 0), (2, 0), (0, 2)], nodes: 3), AdjacencyFacts(symmetric: true, selfLoops: .noLoops))
    }

    func testRepeatedEdgesAndLoopsDoNotCountTowardsSymmetry() {
        XCTAssertEqual(measure([(0, 1), (0, 1), (1, 0), (1, 1)], nodes: 2), AdjacencyFacts(symmetric: true, selfLoops: .mixed))
        XCTAssertEqual(measure([(0, 0), (1, 1), (0, 1)], nodes: 2), AdjacencyFacts(symmetric: false, selfLoops: .onePerNode))
        XCTAssertEqual(measure([(0, 0), (0, 0), (1, 1)], nodes: 2), AdjacencyFacts(symmetric: true, selfLoops: .mixed))
        XCTAssertEqual(measure([], nodes: 3), AdjacencyFacts(symmetric: true, selfLoops: .noLoops))
    }

    func testManyRowsSpreadOverPieces() {
        // A ring in both directions on 1000 nodes, with one reverse edge left out at the end.
        var edges = (0..<1000).flatMap { [($0, ($0 + 1) % 1000), (($0 + 1) % 1000, $0)] }
        XCTAssertEqual(measure(edges, nodes: 1000).symmetric, true)
        edges.removeLast()
        XCTAssertEqual(measure(edges, nodes: 1000).symmetric, false)
        XCTAssertEqual(measure(edges, nodes: 1000, knownSymmetric: true).symmetric, true)
    }

    /// The facts round-trip through the optional feature bits; a file without `measured-adjacency` says "unknown".
    func testFactsRoundTripThroughFeatureBits() {
        for facts in [AdjacencyFacts(symmetric: true, selfLoops: .onePerNode), AdjacencyFacts(symmetric: false, selfLoops: .mixed),
                      AdjacencyFacts(symmetric: false, selfLoops: .noLoops)] {
            XCTAssertEqual(AdjacencyFacts(facts.features), facts)
        }
        XCTAssertEqual(AdjacencyFacts([.sortedRows]), AdjacencyFacts(symmetric: nil, selfLoops: .unknown))
        XCTAssertEqual(AdjacencyFacts([.noSelfLoops]), AdjacencyFacts(symmetric: nil, selfLoops: .noLoops))
    }
}
