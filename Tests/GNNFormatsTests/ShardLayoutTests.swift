import Foundation
import GNNFormats
import TestSupport
import XCTest

/// Shard files (graph format 1.3, formats/graph.md §6.2): the required bit goes with `shard.set`, and the
/// exchange lists are checked against their counts when `ShardLayout` reads them.
final class ShardLayoutTests: XCTestCase {
    /// TinyGraph as shard 1 of 2 whose row 0 is a halo row of shard 0 and row 2 is read by shard 0.
    private func shard(haloCounts: [UInt64] = [1, 0], send: [UInt32] = [2]) throws -> String {
        try TinyGraph.write { writer in
            writer.add(.shardSet, dtype: .uint64, shape: [ShardLayout.setFields]) { try $0.write([7, 2, 1, 5, 9, 2, 1, 1] as [UInt64]) }
            writer.add(.shardNodeIDs, dtype: .uint64, shape: [3]) { try $0.write([0, 3, 4] as [UInt64]) }
            writer.add(.shardHalo, dtype: .uint32, shape: [1]) { try $0.write([0] as [UInt32]) }
            writer.add(.shardHaloCounts, dtype: .uint64, shape: [2]) { try $0.write(haloCounts) }
            writer.add(.shardSend, dtype: .uint32, shape: [send.count]) { try $0.write(send) }
            writer.add(.shardSendCounts, dtype: .uint64, shape: [2]) { try $0.write([UInt64(send.count), 0]) }
        }
    }

    func testShardSectionsReadBack() throws {
        let graph = try GraphFile(path: shard())
        XCTAssertEqual(graph.preamble.requiredFeatures, GraphFormat.shardFeature)
        let layout = try XCTUnwrap(try ShardLayout(graph))
        XCTAssertEqual([layout.setID, UInt64(layout.shardCount), UInt64(layout.index)], [7, 2, 1])
        XCTAssertEqual([layout.wholeNodeCount, layout.wholeEdgeCount, layout.cutEdges], [5, 9, 1])
        XCTAssertEqual(layout.ownedRows, [1, 2])
        XCTAssertEqual(layout.halo, [0])
        XCTAssertEqual(layout.send, [2])
        XCTAssertEqual(Array(layout.nodeIDs), [0, 3, 4])
        XCTAssertNil(try ShardLayout(GraphFile(path: TinyGraph.write())))
        XCTAssertEqual(ShardLayout.fileName(base: "dir/graph.bin", index: 2, count: 4), "dir/graph.shard-2-of-4.bin")
    }

    func testCountsThatDisagreeWithTheListsAreRefused() throws {
        assertGNNError("the halo and send lists do not add up to their counts") {
            _ = try ShardLayout(GraphFile(path: self.shard(haloCounts: [0, 1])))
        }
        assertGNNError("a halo or send row is not below the node count 3") {
            _ = try ShardLayout(GraphFile(path: self.shard(send: [3])))
        }
    }

    /// A reader that knows bit 1 refuses it without `shard.set`, so a shard is never read as a whole graph.
    func testShardBitWithoutShardSetIsRefused() throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try TinyGraph.write())))
        store(GraphFormat.shardFeature, at: 16, in: &bytes)
        resealGraph(&bytes)
        let path = temporaryPath("shard-bit.bin")
        writeBytes(bytes, to: path)
        assertGNNError("sets required bit 1 (shard) but has no shard.set section") { try GraphFile(path: path) }
    }
}
