/// One shard of a graph split for `mpirun` (graph format 1.4, `formats/graph.md` §6.2): which set it
/// belongs to, which rows it owns, which rows it copies from other shards (the halo) and which of its rows
/// other shards copy.
///
/// A shard is a graph file whose rows are the nodes it owns and its halo, in ascending order of their row
/// in the whole graph. Owned rows hold their in-edges exactly as the whole file does (same sources, same
/// order); halo rows have none. A forward pass over the shard therefore computes every owned row as a
/// pass over the whole graph does, provided each halo row is refreshed from its owner before an
/// aggregation reads it.
public struct ShardLayout {
    /// Entries of `shard.set`.
    public static let setFields = 8

    /// Identifies the set of shards written together; every shard of a set has the same id.
    public let setID: UInt64
    /// K: the number of shards in the set.
    public let shardCount: Int
    /// i: this shard's index, 0 ..< K.
    public let index: Int
    /// N and M of the whole graph.
    public let wholeNodeCount: Int
    public let wholeEdgeCount: Int
    /// Owned rows and halo rows (their sum is this file's N).
    public let ownedCount: Int
    public let haloCount: Int
    /// Edges into owned rows whose source is a halo row.
    public let cutEdges: Int
    /// Local rows of the halo, grouped by owning shard (shard order), each group in ascending row order.
    public let halo: [Int]
    /// `halo`'s group sizes, one per shard (0 for this shard).
    public let haloCounts: [Int]
    /// Owned local rows each other shard reads, grouped by reader (shard order), each group in ascending
    /// row order, which is the order the reader's halo group lists them in.
    public let send: [Int]
    /// `send`'s group sizes, one per shard (0 for this shard).
    public let sendCounts: [Int]
    /// The input id of each local row, read in place: valid while the `GraphFile` is open.
    public let nodeIDs: UnsafeBufferPointer<UInt64>

    /// Reads and checks the shard sections of `graph`; nil when it is not a shard.
    public init?(_ graph: GraphFile) throws {
        guard let set = graph.typed(.shardSet, as: UInt64.self) else { return nil }
        func fail(_ problem: String) -> GNNError {
            GNNError("shard sections disagree: " + problem, in: graph.path, fix: "pack the shards again")
        }
        guard let ids = graph.typed(.shardNodeIDs, as: UInt64.self),
              let haloSection = graph.section(.shardHalo), let sendSection = graph.section(.shardSend),
              let haloCounts = graph.typed(.shardHaloCounts, as: UInt64.self),
              let sendCounts = graph.typed(.shardSendCounts, as: UInt64.self) else {
            throw fail("shard.set without shard.node_ids, shard.halo, shard.halo_counts, shard.send and shard.send_counts")
        }
        setID = set[0]
        guard set[1] >= 1, set[1] <= 1 << 20, set[2] < set[1] else { throw fail("shard \(set[2]) of \(set[1])") }
        shardCount = Int(set[1])
        index = Int(set[2])
        wholeNodeCount = try Checked.int(set[3], "whole node count")
        wholeEdgeCount = try Checked.int(set[4], "whole edge count")
        ownedCount = try Checked.int(set[5], "owned rows")
        haloCount = try Checked.int(set[6], "halo rows")
        cutEdges = try Checked.int(set[7], "cut edges")
        guard ownedCount + haloCount == graph.nodeCount, ownedCount <= wholeNodeCount else {
            throw fail("\(ownedCount) owned + \(haloCount) halo rows, but the file has \(graph.nodeCount)")
        }
        guard haloCounts.count == shardCount, sendCounts.count == shardCount else {
            throw fail("\(haloCounts.count) halo and \(sendCounts.count) send counts for \(shardCount) shards")
        }
        self.haloCounts = haloCounts.map { Int(clamping: $0) }
        self.sendCounts = sendCounts.map { Int(clamping: $0) }
        let haloRows = graph.indexArray(haloSection), sendRows = graph.indexArray(sendSection)
        halo = (0..<haloRows.count).map { haloRows[$0] }
        send = (0..<sendRows.count).map { sendRows[$0] }
        guard self.haloCounts.reduce(0, +) == haloCount, halo.count == haloCount,
              self.sendCounts.reduce(0, +) == send.count, self.haloCounts[index] == 0, self.sendCounts[index] == 0 else {
            throw fail("the halo and send lists do not add up to their counts")
        }
        let ownedCount = ownedCount
        guard halo.enumerated().allSatisfy({ $1 == ownedCount + $0 }) else {
            throw fail("the halo rows are not the rows after the \(ownedCount) owned rows, in order")
        }
        guard send.allSatisfy({ $0 >= 0 && $0 < ownedCount }) else {
            throw fail("a send row is not an owned row (below \(ownedCount))")
        }
        guard graph.rowOffsets[ownedCount] == UInt64(graph.edgeCount) else {
            throw fail("halo rows have in-edges")
        }
        nodeIDs = ids
    }

    /// The place of each entry of this shard's `split` in the whole graph's split (the whole split's
    /// length is the sum of the set's entry counts); nil when the file has no such split.
    public static func splitPositions(_ graph: GraphFile, _ split: SplitName) -> UnsafeBufferPointer<UInt64>? {
        graph.typed(split.shardPositions, as: UInt64.self)
    }

    /// The local rows this shard owns: the first `ownedCount` (§6.2, 1.4).
    public var ownedRows: Range<Int> { 0..<ownedCount }

    /// The file name of shard `index` of `count` for the set named `base` (`graph.bin` →
    /// `graph.shard-2-of-4.bin`).
    public static func fileName(base: String, index: Int, count: Int) -> String {
        let stem = base.hasSuffix(".bin") ? String(base.dropLast(4)) : base
        return "\(stem).shard-\(index)-of-\(count).bin"
    }
}
