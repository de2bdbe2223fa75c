import Foundation
@testable import GNNKernels
import TestSupport
import XCTest

/// 16-bit state storage: rounding by hand, vector against scalar conversion, and aggregations over 16-bit
/// rows against the same aggregations over float32 rows holding the same values (widening is exact, and
/// the sums run in the same order, so the bits must agree).
final class StateElementTests: XCTestCase {
    private func bf16(_ bits: UInt32) -> UInt16 { BFloat16.narrow(Float(bitPattern: bits)).bits }

    func testBFloat16RoundsToNearestTiesToEven() {
        XCTAssertEqual(bf16(0x3F80_0000), 0x3F80)                  // 1
        XCTAssertEqual(bf16(0x3F80_8000), 0x3F80)                  // 1 + 2^-8: a tie, to the even 0x3F80
        XCTAssertEqual(bf16(0x3F81_8000), 0x3F82)                  // 1 + 3·2^-8: a tie, to the even 0x3F82
        XCTAssertEqual(bf16(0x3F80_8001), 0x3F81)                  // just above the tie
        XCTAssertEqual(bf16(0x3F80_7FFF), 0x3F80)                  // just below it
        XCTAssertEqual(bf16(0xC000_0000), 0xC000)                  // −2
        XCTAssertEqual(bf16(0x7F7F_FFFF), 0x7F80)                  // float32's largest finite rounds to +∞
        XCTAssertEqual(bf16(0xFF80_0000), 0xFF80)                  // −∞ stays
        XCTAssertEqual(bf16(0x0000_8000), 0x0000)                  // a subnormal tie, to the even 0
        XCTAssertEqual(bf16(0x0001_8000), 0x0002)                  // a subnormal tie, to the even 2
        XCTAssertTrue(BFloat16.widen(BFloat16.narrow(.nan)).isNaN)
        XCTAssertTrue(BFloat16.widen(BFloat16.narrow(Float(bitPattern: 0x7F80_0001))).isNaN, "a NaN whose payload is in the low half stays NaN")
        XCTAssertEqual(BFloat16.widen(BFloat16(bits: 0x4049)), 3.140625)
    }

    func testVectorConversionsEqualScalarOnes() {
        var generator = SeededGenerator(seed: 3)
        var values = (0..<4096).map { _ in Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator)) }
        values += [0, -0, 1, .infinity, -.infinity, .nan, 65504, 65520, 1e-8, -3.4e38]
        while values.count % 8 != 0 { values.append(0.5) }
        func check<E: StateElement & Equatable>(_: E.Type) {
            var vector = [E](repeating: E.narrow(0), count: values.count)
            values.withUnsafeBufferPointer { v in
                vector.withUnsafeMutableBufferPointer { out in
                    StateRows.narrow(v.baseAddress!, count: v.count, into: out.baseAddress!)
                }
            }
            let scalar = values.map(E.narrow)
            for i in values.indices where !values[i].isNaN {
                XCTAssertEqual(vector[i], scalar[i], "\(E.self) narrow of \(values[i])")
            }
            var wide = [Float](repeating: 0, count: values.count)
            vector.withUnsafeBufferPointer { v in
                wide.withUnsafeMutableBufferPointer { StateRows.widen(v.baseAddress!, count: v.count, into: $0.baseAddress!) }
            }
            for i in values.indices where !values[i].isNaN {
                XCTAssertEqual(wide[i].bitPattern, E.widen(scalar[i]).bitPattern, "\(E.self) widen of \(values[i])")
            }
            for i in values.indices where values[i].isNaN { XCTAssertTrue(wide[i].isNaN) }
        }
        check(BFloat16.self)
        check(Float16.self)
    }

    /// With 64 KiB source ranges the 16-bit rows span four ranges (the cache-blocked path) and the float32
    /// rows seven; also the one-pass path (rows not sorted).
    func testSixteenBitGathersEqualFloat32GathersOfTheSameValues() {
        let channels = 32, n = 4_000, segment = 64 << 10
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        var offsets: [UInt64] = [0], sources: [UInt32] = []
        for _ in 0..<n {
            sources += (0..<Int(next() % 13)).map { _ in UInt32(next() % UInt64(n)) }.sorted()
            offsets.append(UInt64(sources.count))
        }
        let raw = (0..<n * channels).map { _ in Float(Int(next() % 2001) - 1000) / 337 }
        let weights = (0..<sources.count).map { _ in Float(next() % 1000) / 1000 }
        func check<E: StateElement>(_: E.Type, _ rows: (UnsafePointer<E>) -> StoredRows) {
            var narrow = [E](repeating: E.narrow(0), count: raw.count)
            var wide = [Float](repeating: 0, count: raw.count)
            raw.withUnsafeBufferPointer { r in
                narrow.withUnsafeMutableBufferPointer { StateRows.narrow(r.baseAddress!, count: r.count, into: $0.baseAddress!) }
            }
            narrow.withUnsafeBufferPointer { x in
                wide.withUnsafeMutableBufferPointer { StateRows.widen(x.baseAddress!, count: x.count, into: $0.baseAddress!) }
            }
            offsets.withUnsafeBufferPointer { o in
                sources.withUnsafeBufferPointer { s in
                    narrow.withUnsafeBufferPointer { x in
                        for sorted in [true, false] {
                            let graph = CSRGraph(nodeCount: n, edgeCount: s.count, offsets: o.baseAddress!, sources: s.baseAddress!, rowsSorted: sorted)
                            if sorted {
                                XCTAssertTrue(SourceBlocking.applies(to: graph, rowBytes: channels * 2, segmentBytes: segment))
                                XCTAssertLessThan(SourceBlocking.rowsPerSegment(graph, rowBytes: channels * 2, segmentBytes: segment), n / 3,
                                                  "at least three source ranges")
                            }
                            var a = [Float](repeating: 0, count: n * channels), b = a
                            weights.withUnsafeBufferPointer { w in
                                a.withUnsafeMutableBufferPointer { out in
                                    SumAggregation.run(graph, x: rows(x.baseAddress!), channels: channels, edgeWeights: w.baseAddress,
                                                       selfWeights: nil, skipSelfLoops: false, mean: false, into: out.baseAddress!,
                                                       segmentBytes: segment, completed: nil)
                                }
                                b.withUnsafeMutableBufferPointer { out in
                                    wide.withUnsafeBufferPointer { wide in
                                        SumAggregation.run(graph, x: .f32(wide.baseAddress!), channels: channels, edgeWeights: w.baseAddress,
                                                           selfWeights: nil, skipSelfLoops: false, mean: false, into: out.baseAddress!,
                                                           segmentBytes: segment, completed: nil)
                                    }
                                }
                            }
                            XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "\(E.self) weighted sums, sorted \(sorted)")
                            a.withUnsafeMutableBufferPointer { out in
                                SumAggregation.run(graph, x: rows(x.baseAddress!), channels: channels, edgeWeights: nil, selfWeights: nil,
                                                   skipSelfLoops: false, mean: true, into: out.baseAddress!, segmentBytes: segment, completed: nil)
                            }
                            b.withUnsafeMutableBufferPointer { out in
                                wide.withUnsafeBufferPointer { wide in
                                    SumAggregation.run(graph, x: .f32(wide.baseAddress!), channels: channels, edgeWeights: nil, selfWeights: nil,
                                                       skipSelfLoops: false, mean: true, into: out.baseAddress!, segmentBytes: segment, completed: nil)
                                }
                            }
                            XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "\(E.self) means, sorted \(sorted)")
                            MessageAggregation.run(graph, x: rows(x.baseAddress!), channels: channels, edges: nil, reduce: .softmax(t: 0.5), into: &a)
                            MessageAggregation.run(graph, x: wide, channels: channels, edges: nil, reduce: .softmax(t: 0.5), into: &b)
                            XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "\(E.self) softmax messages, sorted \(sorted)")
                        }
                    }
                }
            }
        }
        check(BFloat16.self) { .bf16($0) }
        check(Float16.self) { .f16($0) }
    }
}
