import Foundation
import GNNFormats
import TestSupport
import XCTest

/// Shard files (graph format 1.4, formats/graph.md §6.2): the required bits go with `shard.set`, the halo
/// rows follow the owned ones, and the exchange lists are checked against their counts when `ShardLayout`
/// reads them.
final class ShardLayoutTests: XCTestCase {
    /// TinyGraph's three edges as shard 1 of 2 owning rows 0 and 1 (row 0 reads rows 0 and 2, row 1 reads
    /// row 1), whose row 2 is a halo row of shard 0 and whose row 1 is read by shard 0.
    private func shard(rowOffsets: [UInt64] = [0, 2, 3, 3], halo: [UInt32] = [2], haloCounts: [UInt64] = [1, 0],
                       send: [UInt32] = [1]) throws -> String {
        try TinyGraph.write(rowOffsets: rowOffsets) { writer in
            writer.add(.shardSet, dtype: .uint64, shape: [ShardLayout.setFields]) { try $0.write([7, 2, 1, 5, 9, 2, 1, 1] as [UInt64]) }
            writer.add(.shardNodeIDs, dtype: .uint64, shape: [3]) { try $0.write([3, 4, 0] as [UInt64]) }
            writer.add(.shardHalo, dtype: .uint32, shape: [1]) { try $0.write(halo) }
            writer.add(.shardHaloCounts, dtype: .uint64, shape: [2]) { try $0.write(haloCounts) }
            writer.add(.shardSend, dtype: .uint32, shape: [send.count]) { try $0.write(send) }
            writer.add(.shardSendCounts, dtype: .uint64, shape: [2]) { try $0.write([UInt64(send.count), 0]) }
        }
    }

    func testShardSectionsReadBack() throws {
        let graph = try GraphFile(path: shard())
        XCTAssertEqual(graph.preamble.requiredFeatures, GraphFormat.shardFeature | GraphFormat.ownedFirstFeature)
        let layout = try XCTUnwrap(try ShardLayout(graph))
        XCTAssertEqual([layout.setID, UInt64(layout.shardCount), UInt64(layout.index)], [7, 2, 1])
        XCTAssertEqual([layout.wholeNodeCount, layout.wholeEdgeCount, layout.cutEdges], [5, 9, 1])
        XCTAssertEqual(layout.ownedRows, 0..<2)
        XCTAssertEqual(layout.halo, [2])
        XCTAssertEqual(layout.send, [1])
        XCTAssertEqual(Array(layout.nodeIDs), [3, 4, 0])
        XCTAssertNil(try ShardLayout(GraphFile(path: TinyGraph.write())))
        XCTAssertEqual(ShardLayout.fileName(base: "dir/graph.bin", index: 2, count: 4), "dir/graph.shard-2-of-4.bin")
    }

    func testCountsThatDisagreeWithTheListsAreRefused() throws {
        assertGNNError("the halo and send lists do not add up to their counts") {
            _ = try ShardLayout(GraphFile(path: self.shard(haloCounts: [0, 1])))
        }
        assertGNNError("a send row is not an owned row (below 2)") {
            _ = try ShardLayout(GraphFile(path: self.shard(send: [2])))
        }
        assertGNNError("the halo rows are not the rows after the 2 owned rows, in order") {
            _ = try ShardLayout(GraphFile(path: self.shard(halo: [0])))
        }
        assertGNNError("halo rows have in-edges") {
            _ = try ShardLayout(GraphFile(path: self.shard(rowOffsets: [0, 1, 2, 3])))
        }
    }

    /// A shard of graph format 1.3 (bit 1 without bit 2: its halo rows among its owned rows) is refused
    /// with the fix, and bit 2 without a shard is refused as damage.
    func testShardsBeforeFormat14AreRefused() throws {
        for (bits, problem) in [(GraphFormat.shardFeature, "is a shard written before graph format 1.4"),
                                (GraphFormat.ownedFirstFeature, "sets required bit 2 (owned rows first) but is not a shard")] {
            var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: bits == GraphFormat.shardFeature ? try shard() : try TinyGraph.write())))
            store(bits, at: 16, in: &bytes)
            resealGraph(&bytes)
            let path = temporaryPath("old-shard.bin")
            writeBytes(bytes, to: path)
            assertGNNError(problem) { try GraphFile(path: path) }
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
