import Foundation
import GNNKernels
@testable import GNNModels
import Synchronization
import XCTest

/// Graph-mode statistics by hand, and the same bits however the rows are cut.
final class NodeSumsTests: XCTestCase {
    /// PyG's graph-mode LayerNorm statistics of x = [[1, 2], [3, 4], [5, 6]]: mean 3.5, biased standard
    /// deviation √(35/12) over all six values; the same when the two channels are two groups' blocks.
    func testMomentsByHand() {
        let x: [Float] = [1, 2, 3, 4, 5, 6], grouped: [Float] = [1, 3, 5, 2, 4, 6]
        for (values, channels, groups) in [(x, 2, 1), (grouped, 1, 2)] {
            let (mean, deviation) = NodeSums(rows: 3).moments(of: values, channels: channels, groups: groups)
            XCTAssertEqual(mean, 3.5)
            XCTAssertEqual(deviation, Float((35.0 / 12).squareRoot()))
        }
    }

    /// Two "shards" of the same six rows, each summing its own rows and merging the other's exact sums,
    /// get the bits of one pass over all rows.
    func testShardsMergingTheirExactSumsGetTheWholeGraphsBits() {
        var generator = SystemRandomNumberGenerator()
        let rows = 6, length = 5
        let values = (0..<rows * length).map { _ in Float.random(in: -1000...1000, using: &generator) * Float.random(in: 0...1e-3, using: &generator) }
        let whole = values.withUnsafeBufferPointer { x in
            NodeSums(rows: rows).compute(width: 1, rowLength: length) { range, partial in
                for i in range { partial[0] += Double(x[i] * x[i]) }
            }
        }
        let ownedByFirst = [true, false, true, true, false, false]
        let merges = PairedMerge.pair()
        let results = Mutex([[Double]](repeating: [], count: 2))
        DispatchQueue.concurrentPerform(iterations: 2) { shard in
            // A shard sums its own rows only (they come first in a shard; its halo rows are not summed).
            let mine = ownedByFirst.indices.filter { ownedByFirst[$0] == (shard == 0) }
            let own = mine.flatMap { values[$0 * length..<($0 + 1) * length] }
            let sums = NodeSums(rows: mine.count, wholeRows: rows, merge: merges[shard])
            let total = own.withUnsafeBufferPointer { x in
                sums.compute(width: 1, rowLength: length) { range, partial in
                    for i in range { partial[0] += Double(x[i] * x[i]) }
                }
            }
            results.withLock { $0[shard] = total }
        }
        for shard in 0..<2 {
            XCTAssertEqual(results.withLock { $0[shard] }.map(\.bitPattern), whole.map(\.bitPattern))
        }
    }
}

/// Two in-process shards that hand each other their exact sums.
private final class PairedMerge: ShardSumMerge, @unchecked Sendable {
    let lock = NSLock()
    private var mailbox: [ExactSum]?
    private let arrived = DispatchSemaphore(value: 0)
    private weak var other: PairedMerge?

    static func pair() -> [PairedMerge] {
        let a = PairedMerge(), b = PairedMerge()
        a.other = b
        b.other = a
        return [a, b]
    }

    func merge(_ sums: inout [ExactSum]) {
        other!.lock.withLock { other!.mailbox = sums }
        other!.arrived.signal()
        arrived.wait()
        let received = lock.withLock { mailbox! }
        for j in sums.indices { sums[j].add(received[j]) }
    }
}
