import Foundation
@testable import GNNKernels
import TestSupport
import XCTest

/// GATv2's aggregation: a hand-worked case for the self-loop rules and the edge term, and bit-identical
/// results for any thread count and edge feature storage.
final class AttentionV2Tests: XCTestCase {
    /// Graph (CSR by destination): node 0 ← 1, 1 (the edge 1→0 twice, features 2 and 4); node 1 has no
    /// incoming edge; node 2 ← 2 (a self loop, feature 100). One head of 2 channels, x_r = 0, att = [1, 0],
    /// lin_edge = [[1], [0]], so an entry's score is leakyReLU(x_l[u, 0] + feature).
    func testSelfLoopsTakeTheMeanFeatureAndReplaceExistingLoops() {
        let offsets: [UInt64] = [0, 2, 2, 3], sources: [UInt32] = [1, 1, 2], features: [Float] = [2, 4, 100]
        let xLeft: [Float] = [-5, 2, 3, 4, 5, 6], xRight = [Float](repeating: 0, count: 6), attention: [Float] = [1, 0]
        let packed = MessageAggregation.EdgeEncoder.pack(weight: [1, 0], bias: nil, channels: 2, columns: 1).weight
        func run(selfLoops: Bool) -> [Float] {
            var out = [Float](repeating: .nan, count: 6)
            offsets.withUnsafeBufferPointer { o in
                sources.withUnsafeBufferPointer { s in
                    features.withUnsafeBufferPointer { f in
                        packed.withUnsafeBufferPointer { w in
                            let edges = MessageAggregation.EdgeEncoder(features: EdgeFeatureRows(columns: 1, values: f.baseAddress!),
                                                                       weight: w.baseAddress, bias: nil)
                            AttentionV2Aggregation.run(CSRGraph(nodeCount: 3, edgeCount: 3, offsets: o.baseAddress!, sources: s.baseAddress!),
                                                       xLeft: xLeft, xRight: xRight, attention: attention, heads: 1, channels: 2,
                                                       edges: edges, selfLoops: selfLoops, negativeSlope: 0.2, into: &out)
                        }
                    }
                }
            }
            return out
        }
        // Node 0: edges score 3 + 2 and 3 + 4; its added loop has the mean feature 3 and scores
        // leakyReLU(−5 + 3) = −0.4. Node 1 attends only to itself; node 2's loop (feature 100) is replaced by
        // one with feature 0, the mean of no edges, and it too attends only to itself.
        let withLoops = run(selfLoops: true)
        let (a, b, c) = (exp(5.0), exp(7.0), exp(-0.4))
        XCTAssertEqual(Double(withLoops[0]), ((a + b) * 3 + c * -5) / (a + b + c), accuracy: 1e-5)
        XCTAssertEqual(Double(withLoops[1]), ((a + b) * 4 + c * 2) / (a + b + c), accuracy: 1e-5)
        XCTAssertEqual(Array(withLoops[2...]), [3, 4, 5, 6])
        // Without added loops the existing one stays an ordinary edge and node 1 has nothing to attend to.
        let without = run(selfLoops: false)
        XCTAssertEqual(without[0], 3, accuracy: 1e-6)
        XCTAssertEqual(without[1], 4, accuracy: 1e-6)
        XCTAssertEqual(Array(without[2...]), [0, 0, 5, 6])
    }

    /// A random graph of many row blocks with self loops, 2 heads of 12 channels (a vector and a tail) and
    /// 3 edge features: 1, 2 and 4 threads, and features read in place or converted, give the same bits.
    func testResultsDoNotDependOnThreadCountOrFeatureStorage() {
        let n = 3000, heads = 2, channels = 12, width = heads * channels, columns = 3
        var generator = SeededGenerator(seed: 3)
        var offsets: [UInt64] = [0], sources: [UInt32] = []
        for v in 0..<n {
            sources += (0..<Int.random(in: 0...9, using: &generator)).map { _ in UInt32.random(in: 0..<UInt32(n), using: &generator) }
            if v % 5 == 0 { sources.append(UInt32(v)) }
            offsets.append(UInt64(sources.count))
        }
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -1...1, using: &generator) } }
        let xLeft = random(n * width), xRight = random(n * width), attention = random(width)
        let features = random(sources.count * columns)
        let packed = MessageAggregation.EdgeEncoder.pack(weight: random(width * columns), bias: nil, channels: width, columns: columns).weight
        defer { KernelThreads.configure(threads: 0) }
        var runs: [[UInt32]] = []
        for (threads, converted) in [(1, false), (2, false), (4, false), (2, true)] {
            KernelThreads.configure(threads: threads)
            var out = [Float](repeating: .nan, count: n * width)
            offsets.withUnsafeBufferPointer { o in
                sources.withUnsafeBufferPointer { s in
                    features.withUnsafeBufferPointer { f in
                        packed.withUnsafeBufferPointer { w in
                            let rows = converted
                                ? EdgeFeatureRows(columns: columns) { e, out in for k in 0..<columns { out[k] = features[e * columns + k] } }
                                : EdgeFeatureRows(columns: columns, values: f.baseAddress!)
                            AttentionV2Aggregation.run(CSRGraph(nodeCount: n, edgeCount: s.count, offsets: o.baseAddress!, sources: s.baseAddress!),
                                                       xLeft: xLeft, xRight: xRight, attention: attention, heads: heads,
                                                       channels: channels,
                                                       edges: MessageAggregation.EdgeEncoder(features: rows, weight: w.baseAddress, bias: nil),
                                                       selfLoops: true, negativeSlope: 0.2, into: &out)
                        }
                    }
                }
            }
            XCTAssertTrue(out.allSatisfy(\.isFinite))
            runs.append(out.map(\.bitPattern))
        }
        XCTAssertEqual(runs[0], runs[1], "1 vs 2 threads")
        XCTAssertEqual(runs[0], runs[2], "1 vs 4 threads")
        XCTAssertEqual(runs[0], runs[3], "features in place vs converted")
    }
}
