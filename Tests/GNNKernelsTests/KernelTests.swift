import Foundation
@testable import GNNKernels
import TestSupport
import XCTest

/// Hand-worked cases for the edge conditions: a repeated edge, an isolated node, a self loop.
///
/// Graph (CSR by destination): node 0 ← 1, 1 (the edge 1→0 twice); node 1 has no incoming edge;
/// node 2 ← 2 (a self loop). Features x = [[1, 2], [3, 4], [5, 6]].
final class KernelTests: XCTestCase {
    let offsets: [UInt64] = [0, 2, 2, 3]
    let sources: [UInt32] = [1, 1, 2]
    let x: [Float] = [1, 2, 3, 4, 5, 6]

    private func withGraph<R>(_ body: (CSRGraph) -> R) -> R {
        offsets.withUnsafeBufferPointer { o in
            sources.withUnsafeBufferPointer { s in
                body(CSRGraph(nodeCount: 3, edgeCount: 3, offsets: o.baseAddress!, sources: s.baseAddress!))
            }
        }
    }

    func testMeanCountsRepeatsAndGivesZeroForIsolatedNodes() {
        var out = [Float](repeating: .nan, count: 6)
        withGraph { SumAggregation.run($0, x: x, channels: 2, mean: true, into: &out) }
        XCTAssertEqual(out, [3, 4, 0, 0, 5, 6])
    }

    /// Softmax aggregation of two messages m = relu(x) + eps from sources 1, 1 and a lone loop:
    /// node 0 gets Σ m·e^{tm} / Σ e^{tm} over [x1, x1] = x1 + eps; node 2 gets x2 + eps; node 1 gets 0.
    func testSoftmaxAggregationByHand() {
        var out = [Float](repeating: .nan, count: 6)
        withGraph { MessageAggregation.run($0, x: x, channels: 2, edges: nil, reduce: .softmax(t: 0.7), into: &out) }
        XCTAssertEqual(out, [3, 4, 0, 0, 5, 6].map { $0 == 0 ? 0 : $0 + 1e-7 })
        // Two different messages a, b: (a e^{ta} + b e^{tb}) / (e^{ta} + e^{tb}).
        let values: [Float] = [0, 1, 2]
        let twoOffsets: [UInt64] = [0, 2, 2, 2], twoSources: [UInt32] = [1, 2]
        var result = [Float](repeating: .nan, count: 3)
        twoOffsets.withUnsafeBufferPointer { o in
            twoSources.withUnsafeBufferPointer { s in
                MessageAggregation.run(CSRGraph(nodeCount: 3, edgeCount: 2, offsets: o.baseAddress!, sources: s.baseAddress!),
                                       x: values, channels: 1, edges: nil, eps: 0, reduce: .softmax(t: 2), into: &result)
            }
        }
        let a = 1.0, b = 2.0
        XCTAssertEqual(Double(result[0]), (a * exp(2 * a) + b * exp(2 * b)) / (exp(2 * a) + exp(2 * b)), accuracy: 1e-6)
        XCTAssertEqual(result[1], 0)
    }

    func testMaxAndPowerMeanByHand() {
        var out = [Float](repeating: .nan, count: 6)
        withGraph { MessageAggregation.run($0, x: x, channels: 2, edges: nil, eps: 0, reduce: .max, into: &out) }
        XCTAssertEqual(out, [3, 4, 0, 0, 5, 6])
        // Power mean with p = 2 over two equal messages is the message itself; an empty row is
        // clamp(0, 1e-4, 100)^½ = 0.01, as PyG's clamp bounds give.
        withGraph { MessageAggregation.run($0, x: x, channels: 2, edges: nil, eps: 0, reduce: .powerMean(p: 2, applyPower: true), into: &out) }
        for (value, expected) in zip(out, [Float](arrayLiteral: 3, 4, 0.01, 0.01, 5, 6)) { XCTAssertEqual(value, expected, accuracy: 1e-5) }
    }

    /// With self loops added, node 1 (no edges) attends only to itself (weight 1); node 2's existing loop
    /// is replaced by the one added loop; node 0 attends to x1 twice and itself with softmax weights.
    func testAttentionWithSelfLoopsByHand() {
        let alphaSource: [Float] = [0, 1, 0], alphaTarget: [Float] = [0, 0, 0]
        var out = [Float](repeating: .nan, count: 6)
        withGraph {
            AttentionAggregation.run($0, x: x, heads: 1, channels: 2, alphaSource: alphaSource, alphaTarget: alphaTarget,
                                     edges: nil, selfLoops: true, negativeSlope: 0.2, into: &out)
        }
        XCTAssertEqual(Array(out[2...5]), [3, 4, 5, 6])
        let w1 = 2 * exp(1.0), w0 = exp(0.0)
        XCTAssertEqual(Double(out[0]), (w1 * 3 + w0 * 1) / (w1 + w0), accuracy: 1e-5)
        XCTAssertEqual(Double(out[1]), (w1 * 4 + w0 * 2) / (w1 + w0), accuracy: 1e-5)
    }

    /// GAT's logits for 2 heads of 9 channels (one 8-wide vector and a tail): x[v, h, c] = v + h + c / 8
    /// (exact in float), att_src = 1 and att_dst = c, so a_src = 9(v + h) + 4.5 and
    /// a_dst = 36(v + h) + Σ c²/8 = 36(v + h) + 25.5; rows outside the range stay untouched.
    func testAttentionLogitsByHand() {
        let heads = 2, channels = 9, n = 3
        var x = [Float](repeating: 0, count: n * heads * channels)
        for v in 0..<n { for h in 0..<heads { for c in 0..<channels { x[(v * heads + h) * channels + c] = Float(v + h) + Float(c) / 8 } } }
        let attSource = [Float](repeating: 1, count: heads * channels)
        let attTarget = (0..<heads * channels).map { Float($0 % channels) }
        var source = [Float](repeating: .nan, count: n * heads), target = source
        AttentionAggregation.logitsSerial(x, rows: 1..<3, heads: heads, channels: channels, attentionSource: attSource,
                                          attentionTarget: attTarget, into: &source, &target)
        XCTAssertTrue(source[0].isNaN && source[1].isNaN && target[0].isNaN && target[1].isNaN)
        for v in 1..<n {
            for h in 0..<heads {
                XCTAssertEqual(source[v * heads + h], 9 * Float(v + h) + 4.5)
                XCTAssertEqual(target[v * heads + h], 36 * Float(v + h) + 25.5)
            }
        }
    }

    /// PyG's graph-mode LayerNorm on x = [[1, 2], [3, 4], [5, 6]]: mean 3.5, biased std √(35/12) over all
    /// six values (taken by GNNModels' `NodeSums.moments`, tested there), y = (x − 3.5) / (std + 1e-5) · w + b
    /// with w = [1, 2], b = [0, 1], then ReLU.
    func testGraphModeLayerNormByHand() {
        var values = x
        let mean: Float = 3.5, deviation = Float((35.0 / 12).squareRoot())
        let weight: [Float] = [1, 2], bias: [Float] = [0, 1]
        Normalization.graphLayerNorm(&values, rows: 3, channels: 2, mean: mean, deviation: deviation,
                                     weight: weight, bias: bias, activation: .relu)
        let divisor = (35.0 / 12).squareRoot() + 1e-5
        let expected = [0, 2 * -1.5 / divisor + 1, 0, 2 * 0.5 / divisor + 1, 1.5 / divisor, 2 * 2.5 / divisor + 1]
            .map { Float(max($0, 0)) }
        for (got, want) in zip(values, expected) { XCTAssertEqual(got, want, accuracy: 1e-6) }
    }

    func testDenseMatchesHandProduct() {
        // [1 2; 3 4] · [[1, 0], [1, 1]]ᵀ + [10, 20] = [[11, 23], [13, 27]]
        var out = [Float](repeating: 0, count: 4)
        Dense.linear([1, 2, 3, 4], rows: 2, inDim: 2, weight: [1, 0, 1, 1], outDim: 2, bias: [10, 20], into: &out)
        XCTAssertEqual(out, [11, 23, 13, 27])
    }

    /// Each output row is the in-order sum of its own terms: computed in one call, in calls of any other
    /// size, or with its rows shuffled, every row has the same bits, and equals the sequential sum of fused
    /// multiply-adds.
    func testDenseRowsDependOnTheirInputRowAlone() {
        let rows = 37, inDim = 29, outDim = 45
        var generator = SystemRandomNumberGenerator()
        let x = (0..<rows * inDim).map { _ in Float.random(in: -1...1, using: &generator) }
        let w = (0..<outDim * inDim).map { _ in Float.random(in: -1...1, using: &generator) }
        let bias = (0..<outDim).map { _ in Float.random(in: -1...1, using: &generator) }
        var whole = [Float](repeating: 0, count: rows * outDim)
        Dense.linearSerial(x, rows: rows, inDim: inDim, weight: w, outDim: outDim, bias: bias, into: &whole)
        for r in 0..<rows {
            for n in 0..<outDim {
                var sum: Float = 0
                for k in 0..<inDim { sum = sum.addingProduct(x[r * inDim + k], w[n * inDim + k]) }
                XCTAssertEqual(whole[r * outDim + n].bitPattern, (bias[n] + sum).bitPattern, "row \(r) column \(n)")
            }
        }
        let order = (0..<rows).shuffled()
        let shuffled = order.flatMap { x[$0 * inDim..<($0 + 1) * inDim] }
        for split in [1, 3, 5, 8, 13] {
            var out = [Float](repeating: 0, count: rows * outDim)
            shuffled.withUnsafeBufferPointer { input in
                out.withUnsafeMutableBufferPointer { output in
                    for start in stride(from: 0, to: rows, by: split) {
                        let count = min(split, rows - start)
                        Dense.linearSerial(input.baseAddress! + start * inDim, rows: count, inDim: inDim, weight: w,
                                           outDim: outDim, bias: bias, into: output.baseAddress! + start * outDim)
                    }
                }
            }
            for (position, r) in order.enumerated() {
                XCTAssertEqual(Array(out[position * outDim..<(position + 1) * outDim]), Array(whole[r * outDim..<(r + 1) * outDim]),
                               "row \(r) in calls of \(split)")
            }
        }
    }

    /// One node, no edges: means are 0, an attention with its added self loop returns the node's own row.
    func testOneNodeGraphGivesZeroMeansAndAttendsOnlyToItself() {
        let offsets: [UInt64] = [0, 0], sources: [UInt32] = []
        let x: [Float] = [1, 2, 3, 4, 5, 6, 7, 8]
        var mean = [Float](repeating: .nan, count: 8), attended = mean
        offsets.withUnsafeBufferPointer { o in
            sources.withUnsafeBufferPointer { s in
                let graph = CSRGraph(nodeCount: 1, edgeCount: 0, offsets: o.baseAddress!, sources: s.baseAddress ?? UnsafePointer(bitPattern: 4)!)
                SumAggregation.run(graph, x: x, channels: 8, mean: true, into: &mean)
                AttentionAggregation.run(graph, x: x, heads: 2, channels: 4, alphaSource: [0.3, -1], alphaTarget: [2, 0.5],
                                         edges: nil, selfLoops: true, negativeSlope: 0.2, into: &attended)
            }
        }
        XCTAssertEqual(mean, [Float](repeating: 0, count: 8))
        XCTAssertEqual(attended, x)
    }
}

/// The cache-blocked path of `SumAggregation` (x larger than two segments, rows sorted) against the
/// one-pass path on the same random graph.
final class SegmentedAggregationTests: XCTestCase {
    func testSegmentedSumsEqualOnePassSums() {
        // With 64 KiB source ranges x spans more than two of them (at most 1,024 rows each).
        let channels = 64, degree = 6, n = 5_000, segment = 64 << 10
        var generator = SeededGenerator(seed: 1)
        var offsets: [UInt64] = [0], sources: [UInt32] = []
        for _ in 0..<n {
            var row = (0..<Int.random(in: 0...degree * 2, using: &generator)).map { _ in UInt32.random(in: 0..<UInt32(n), using: &generator) }
            row.sort()
            sources += row
            offsets.append(UInt64(sources.count))
        }
        let x = (0..<n * channels).map { _ in Float.random(in: -1...1, using: &generator) }
        let weights = (0..<sources.count).map { _ in Float.random(in: 0...1, using: &generator) }
        let selfWeights = (0..<n).map { _ in Float.random(in: 0...1, using: &generator) }
        XCTAssertGreaterThan(n * channels * 4, 2 * segment, "x must exceed two segments")
        offsets.withUnsafeBufferPointer { o in
            sources.withUnsafeBufferPointer { s in
                let sorted = CSRGraph(nodeCount: n, edgeCount: s.count, offsets: o.baseAddress!, sources: s.baseAddress!, rowsSorted: true)
                let plain = CSRGraph(nodeCount: n, edgeCount: s.count, offsets: o.baseAddress!, sources: s.baseAddress!, rowsSorted: false)
                XCTAssertLessThan(SourceBlocking.rowsPerSegment(sorted, rowBytes: channels * 4, segmentBytes: segment), n / 2,
                                  "more than two source ranges")
                func run(_ graph: CSRGraph, mean: Bool = false, weighted: Bool = false, into out: inout [Float]) {
                    x.withUnsafeBufferPointer { x in
                        weights.withUnsafeBufferPointer { w in
                            selfWeights.withUnsafeBufferPointer { selfW in
                                out.withUnsafeMutableBufferPointer { out in
                                    SumAggregation.run(graph, x: .f32(x.baseAddress!), channels: channels,
                                                       edgeWeights: weighted ? w.baseAddress : nil, selfWeights: weighted ? selfW.baseAddress : nil,
                                                       skipSelfLoops: weighted, mean: mean, into: out.baseAddress!, segmentBytes: segment,
                                                       completed: nil)
                                }
                            }
                        }
                    }
                }
                var a = [Float](repeating: 0, count: n * channels), b = a
                // Weighted sums with a self term (GCN): both paths add in CSR order, so bits agree.
                run(sorted, weighted: true, into: &a)
                run(plain, weighted: true, into: &b)
                XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern))
                // Means: the one-pass path adds four edges at a time, so only rounding may differ.
                run(sorted, mean: true, into: &a)
                run(plain, mean: true, into: &b)
                XCTAssertLessThanOrEqual(relativeL2(a, b), 1e-6)
                // `completed` sees each block of rows once, already final: copies taken there equal the result.
                for graph in [sorted, plain] {
                    var seen = [Float](repeating: .nan, count: n * channels), calls = [Int](repeating: 0, count: n)
                    seen.withUnsafeMutableBufferPointer { seenRows in
                        calls.withUnsafeMutableBufferPointer { callCounts in
                            let seen = seenRows.baseAddress!, calls = callCounts.baseAddress!
                            let result = UnsafeMutablePointer<Float>.allocate(capacity: n * channels)
                            defer { result.deallocate() }
                            x.withUnsafeBufferPointer { x in
                                SumAggregation.run(graph, x: .f32(x.baseAddress!), channels: channels, edgeWeights: nil, selfWeights: nil,
                                                   skipSelfLoops: false, mean: true, into: result, segmentBytes: segment) { rows in
                                    (seen + rows.lowerBound * channels).update(from: result + rows.lowerBound * channels,
                                                                               count: rows.count * channels)
                                    for v in rows { calls[v] += 1 }
                                }
                            }
                            a = Array(UnsafeBufferPointer(start: result, count: n * channels))
                        }
                    }
                    XCTAssertEqual(calls, [Int](repeating: 1, count: n), "every row in exactly one completed block")
                    XCTAssertEqual(seen.map(\.bitPattern), a.map(\.bitPattern), "rows are final when their block completes")
                }
            }
        }
    }

    /// Sums handed over a block of rows at a time (no N × C output) equal `run`'s to the bit, for float32 and
    /// 16-bit rows, where the blocked path runs in one source range; with several ranges it declines.
    func testSumsInBlocksEqualRunInOneRange() {
        // 5,000 rows of 64 channels, about 4 edges each: with 256 KiB ranges (a quarter for 16-bit rows)
        // x spans more than two ranges, yet there are fewer edges than ranges × rows: one range.
        let channels = 64, n = 5_000, segment = 256 << 10
        var generator = SeededGenerator(seed: 11)
        var offsets: [UInt64] = [0], sources: [UInt32] = []
        for _ in 0..<n {
            var row = (0..<Int.random(in: 0...8, using: &generator)).map { _ in UInt32.random(in: 0..<UInt32(n), using: &generator) }
            row.sort()
            sources += row
            offsets.append(UInt64(sources.count))
        }
        let x = (0..<n * channels).map { _ in Float.random(in: -1...1, using: &generator) }
        let narrow = x.map { BFloat16.narrow($0) }
        offsets.withUnsafeBufferPointer { o in
            sources.withUnsafeBufferPointer { s in
                x.withUnsafeBufferPointer { wide in
                    narrow.withUnsafeBufferPointer { narrow in
                        let graph = CSRGraph(nodeCount: n, edgeCount: s.count, offsets: o.baseAddress!, sources: s.baseAddress!, rowsSorted: true)
                        for rows in [StoredRows.f32(wide.baseAddress!), .bf16(narrow.baseAddress!)] {
                            for mean in [false, true] {
                                var expected = [Float](repeating: 0, count: n * channels), blocks = [Float](repeating: .nan, count: n * channels)
                                expected.withUnsafeMutableBufferPointer { out in
                                    SumAggregation.run(graph, x: rows, channels: channels, edgeWeights: nil, selfWeights: nil, skipSelfLoops: false,
                                                       mean: mean, into: out.baseAddress!, segmentBytes: segment, completed: nil)
                                }
                                let streamed = blocks.withUnsafeMutableBufferPointer { out in
                                    let base = out.baseAddress!
                                    return SumAggregation.runInBlocks(graph, x: rows, channels: channels, mean: mean, segmentBytes: segment) { rows, tile in
                                        (base + rows.lowerBound * channels).update(from: tile, count: rows.count * channels)
                                    }
                                }
                                XCTAssertTrue(streamed, "one source range: handed over in blocks")
                                XCTAssertEqual(blocks.map(\.bitPattern), expected.map(\.bitPattern), "mean \(mean)")
                            }
                        }
                        // Each row's edges repeated 8 times: more edges than ranges × rows, so several ranges, and
                        // rows are not final after one visit.
                        let denseSources = (0..<n).flatMap { v in (0..<8).flatMap { _ in s[Int(o[v])..<Int(o[v + 1])] }.sorted() }
                        let denseOffsets = (0...n).map { 8 * o[$0] }
                        denseSources.withUnsafeBufferPointer { ds in
                            denseOffsets.withUnsafeBufferPointer { dof in
                                let dense = CSRGraph(nodeCount: n, edgeCount: ds.count, offsets: dof.baseAddress!, sources: ds.baseAddress!,
                                                     rowsSorted: true)
                                XCTAssertFalse(SumAggregation.runInBlocks(dense, x: .f32(wide.baseAddress!), channels: channels, mean: true,
                                                                          segmentBytes: segment) { _, _ in XCTFail("no block expected") })
                            }
                        }
                    }
                }
            }
        }
    }

    /// A shard too small to block on its own still takes the whole graph's blocked path, so its rows come
    /// out to the same bits (the one-pass mean adds four edges at a time and rounds otherwise); so does a
    /// shard whose numbering leaves its rows unsorted (owned rows first, halo rows after, formats/graph.md
    /// §6.2), which takes that path in one source range.
    func testShardBlocksWhenTheWholeGraphDoes() {
        // Whole graph: 5,000 rows of 64 channels (1.25 MiB > two 512 KiB segments: blocked). Shard: its
        // first 2,000 rows as owned, whose sources all lie below 3,000, and rows 2,000..<3,000 as halo
        // (750 KiB: one-pass by its own size).
        let channels = 64, n = 5_000, owned = 2_000, local = 3_000, segment = 512 << 10
        var generator = SeededGenerator(seed: 7)
        var offsets: [UInt64] = [0], sources: [UInt32] = []
        for v in 0..<n {
            let bound = v < owned ? UInt32(local) : UInt32(n)
            var row = (0..<Int.random(in: 8...16, using: &generator)).map { _ in UInt32.random(in: 0..<bound, using: &generator) }
            row.sort()
            sources += row
            offsets.append(UInt64(sources.count))
        }
        let x = (0..<n * channels).map { _ in Float.random(in: -1...1, using: &generator) }
        // The same shard numbered otherwise: local rows reversed (row u is row local − 1 − u), the edges
        // kept in the whole graph's order, so each row's sources now descend; x's rows moved alike.
        let reversedSources = sources[0..<Int(offsets[owned])].map { UInt32(local - 1) - $0 }
        let reversedX = (0..<local).flatMap { u in x[(local - 1 - u) * channels..<(local - u) * channels] }
        func mean(_ graph: CSRGraph, _ x: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: graph.nodeCount * channels)
            x.withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { out in
                    SumAggregation.run(graph, x: .f32(x.baseAddress!), channels: channels, edgeWeights: nil, selfWeights: nil,
                                       skipSelfLoops: false, mean: true, into: out.baseAddress!, segmentBytes: segment, completed: nil)
                }
            }
            return out
        }
        offsets.withUnsafeBufferPointer { o in
            sources.withUnsafeBufferPointer { s in
                reversedSources.withUnsafeBufferPointer { r in
                    let whole = CSRGraph(nodeCount: n, edgeCount: s.count, offsets: o.baseAddress!, sources: s.baseAddress!, rowsSorted: true)
                    func shard(wholeNodeCount: Int?, sources: UnsafePointer<UInt32> = s.baseAddress!, sorted: Bool = true) -> CSRGraph {
                        CSRGraph(nodeCount: owned, sourceCount: local, edgeCount: Int(offsets[owned]), offsets: o.baseAddress!,
                                 sources: sources, rowsSorted: sorted, wholeNodeCount: wholeNodeCount, wholeRowsSorted: true)
                    }
                    XCTAssertTrue(SourceBlocking.applies(to: whole, rowBytes: channels * 4, segmentBytes: segment))
                    XCTAssertFalse(SourceBlocking.applies(to: shard(wholeNodeCount: nil), rowBytes: channels * 4, segmentBytes: segment))
                    let expected = mean(whole, x).prefix(owned * channels).map(\.bitPattern)
                    XCTAssertEqual(mean(shard(wholeNodeCount: n), x).map(\.bitPattern), expected)
                    XCTAssertEqual(mean(shard(wholeNodeCount: n, sources: r.baseAddress!, sorted: false), reversedX).map(\.bitPattern), expected)
                    // Judged by its own size the shard rounds otherwise: the case this guards against.
                    XCTAssertNotEqual(mean(shard(wholeNodeCount: nil), x).map(\.bitPattern), expected)
                }
            }
        }
    }

    /// GAT's blocked path (weights stored per edge and head, sums by source range) against the one-pass path.
    func testBlockedAttentionEqualsOnePass() {
        let heads = 2, channels = 32, width = heads * channels, n = 2 * SourceBlocking.segmentBytes / (width * 4) + 10_000
        var generator = SeededGenerator(seed: 2)
        var offsets: [UInt64] = [0], sources: [UInt32] = []
        for v in 0..<n {
            var row = (0..<Int.random(in: 0...8, using: &generator)).map { _ in UInt32.random(in: 0..<UInt32(n), using: &generator) }
            if v % 7 == 0 { row.append(UInt32(v)) }   // some existing self loops, which GAT replaces
            row.sort()
            sources += row
            offsets.append(UInt64(sources.count))
        }
        let x = (0..<n * width).map { _ in Float.random(in: -1...1, using: &generator) }
        let alphaSource = (0..<n * heads).map { _ in Float.random(in: -2...2, using: &generator) }
        let alphaTarget = (0..<n * heads).map { _ in Float.random(in: -2...2, using: &generator) }
        var scratch = [Float](repeating: 0, count: (sources.count + n) * heads)
        var blocked = [Float](repeating: .nan, count: n * width), onePass = blocked
        let base = (0..<n * width).map { _ in Float.random(in: -4...4, using: &generator) }
        var added = base
        offsets.withUnsafeBufferPointer { o in
            sources.withUnsafeBufferPointer { s in
                let sorted = CSRGraph(nodeCount: n, edgeCount: s.count, offsets: o.baseAddress!, sources: s.baseAddress!, rowsSorted: true)
                XCTAssertTrue(SourceBlocking.applies(to: sorted, rowBytes: width * 4), "the blocked path must run")
                XCTAssertLessThan(SourceBlocking.rowsPerSegment(sorted, rowBytes: width * 4), n, "more than one source range")
                scratch.withUnsafeMutableBufferPointer { w in
                    AttentionAggregation.run(sorted, x: x, heads: heads, channels: channels, alphaSource: alphaSource,
                                             alphaTarget: alphaTarget, edges: nil, selfLoops: true, negativeSlope: 0.2,
                                             weightScratch: w.baseAddress, into: &blocked)
                }
                AttentionAggregation.run(sorted, x: x, heads: heads, channels: channels, alphaSource: alphaSource,
                                         alphaTarget: alphaTarget, edges: nil, selfLoops: true, negativeSlope: 0.2, into: &onePass)
                // `adding` (a block's state update): base + the aggregate. (The one-pass path's adding runs in
                // the GAT fixtures of ModelFidelityTests.)
                scratch.withUnsafeMutableBufferPointer { w in
                    AttentionAggregation.run(sorted, x: x, heads: heads, channels: channels, alphaSource: alphaSource,
                                             alphaTarget: alphaTarget, edges: nil, selfLoops: true, negativeSlope: 0.2,
                                             weightScratch: w.baseAddress, adding: true, into: &added)
                }
            }
        }
        XCTAssertLessThanOrEqual(relativeL2(added, zip(base, onePass).map(+)), 1e-6)
        XCTAssertLessThanOrEqual(relativeL2(blocked, onePass), 1e-6)
    }
}
