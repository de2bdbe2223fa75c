import CMPI
import GNNFormats
import GNNModels

/// The halo exchange over MPI: one neighbourhood all-to-all (`MPI_Neighbor_alltoallw`) over the graph of
/// shards that read each other's rows (`MPI_Dist_graph_create_adjacent`), moving exactly the rows the
/// shards' lists name (`formats/graph.md` §6.2).
///
/// Each neighbour's rows are described by one datatype (`MPI_Type_create_hindexed` over runs of consecutive
/// rows: the rows this shard sends it, or the halo rows it owns, which are one run since a shard's halo rows
/// follow its owned rows grouped by owner), so MPI reads the sent rows from the state and writes the received
/// ones into it in place: no staging buffers, where copies would cost (sent + halo rows) × row bytes per
/// rank (75 MiB at K = 2 on the tenth-of-products graph, 80 float32 channels; peak RSS 444 → 370 MiB).
public final class NeighbourHaloExchange: HaloExchange, @unchecked Sendable {
    /// Bytes this rank sent in each exchange so far, in call order (one per convolution).
    public private(set) var sentBytes: [Int] = []
    /// Seconds each exchange took on this rank, waiting for slower ranks included.
    public private(set) var seconds: [Double] = []

    private var communicator: MPI_Comm?
    /// The local rows sent to each reader and received from each owner, in the neighbour order given to
    /// `MPI_Dist_graph_create_adjacent`.
    private let sendGroups: [[Int]], receiveGroups: [[Int]]
    /// Per row size in bytes: one datatype per reader and per owner.
    private var types: [Int: (send: [MPI_Datatype?], receive: [MPI_Datatype?])] = [:]

    /// Builds the shard graph of `layout` over every rank of `world` (collective: every rank calls it).
    /// `ShardedRun.open` has checked that each group's row count fits MPI's 32-bit counts.
    public init(_ layout: ShardLayout, world: MPIWorld) {
        let readers = (0..<layout.shardCount).filter { layout.sendCounts[$0] > 0 }
        let owners = (0..<layout.shardCount).filter { layout.haloCounts[$0] > 0 }
        sendGroups = Self.groups(layout.send, counts: layout.sendCounts, of: readers)
        receiveGroups = Self.groups(layout.halo, counts: layout.haloCounts, of: owners)
        // Open MPI reads no element of an empty list, but Swift gives an empty array no address: pad by one.
        var sources = owners.map(Int32.init) + [0], destinations = readers.map(Int32.init) + [0]
        MPI_Dist_graph_create_adjacent(world.communicator, Int32(owners.count), &sources, cmpi_unweighted(),
                                       Int32(readers.count), &destinations, cmpi_unweighted(), cmpi_info_null(),
                                       0, &communicator)
    }

    deinit {
        for (send, receive) in types.values {
            for var type in send + receive { MPI_Type_free(&type) }
        }
        MPI_Comm_free(&communicator)
    }

    /// `rows` cut into its per-shard groups (sizes `counts`, in shard order), kept for the shards `neighbours`.
    private static func groups(_ rows: [Int], counts: [Int], of neighbours: [Int]) -> [[Int]] {
        var starts = [0]
        for count in counts { starts.append(starts.last! + count) }
        return neighbours.map { Array(rows[starts[$0]..<starts[$0 + 1]]) }
    }

    /// The rows of `group` (ascending), each `rowBytes` bytes at row × `rowBytes` from the buffer's start, as
    /// one datatype of one block per run of consecutive rows.
    private static func rowsType(_ group: [Int], rowBytes: Int) -> MPI_Datatype? {
        var row: MPI_Datatype?, type: MPI_Datatype?
        MPI_Type_contiguous(Int32(rowBytes), cmpi_byte(), &row)
        var lengths: [Int32] = [], displacements: [MPI_Aint] = []
        for (k, r) in group.enumerated() {
            if k > 0, group[k - 1] + 1 == r {
                lengths[lengths.count - 1] += 1
            } else {
                lengths.append(1)
                displacements.append(MPI_Aint(r * rowBytes))
            }
        }
        let blocks = Int32(lengths.count)
        lengths.append(0)
        displacements.append(0)
        MPI_Type_create_hindexed(blocks, &lengths, &displacements, row, &type)
        MPI_Type_commit(&type)
        MPI_Type_free(&row)
        return type
    }

    private func types(rowBytes: Int) -> (send: [MPI_Datatype?], receive: [MPI_Datatype?]) {
        if let known = types[rowBytes] { return known }
        let made = (send: sendGroups.map { Self.rowsType($0, rowBytes: rowBytes) },
                    receive: receiveGroups.map { Self.rowsType($0, rowBytes: rowBytes) })
        types[rowBytes] = made
        return made
    }

    public func exchange(_ rows: UnsafeMutableRawPointer, rowBytes: Int) {
        let start = ContinuousClock.now
        let (sendTypes, receiveTypes) = types(rowBytes: rowBytes)
        // One element of its own datatype per neighbour. The sent rows are read from `rows` and the received
        // ones written at their addresses from MPI_BOTTOM: MPI forbids passing one buffer as both (the
        // rows themselves never overlap).
        var sendCounts = [Int32](repeating: 1, count: sendTypes.count + 1), sendOffsets = [MPI_Aint](repeating: 0, count: sendTypes.count + 1)
        var receiveCounts = [Int32](repeating: 1, count: receiveTypes.count + 1)
        var receiveOffsets = [MPI_Aint](repeating: 0, count: receiveTypes.count + 1)
        MPI_Get_address(rows, &receiveOffsets[0])
        for k in receiveOffsets.indices { receiveOffsets[k] = receiveOffsets[0] }
        var sending = sendTypes + [cmpi_byte()], receiving = receiveTypes + [cmpi_byte()]
        MPI_Neighbor_alltoallw(rows, &sendCounts, &sendOffsets, &sending,
                               cmpi_bottom(), &receiveCounts, &receiveOffsets, &receiving, communicator)
        sentBytes.append(sendGroups.reduce(0) { $0 + $1.count } * rowBytes)
        let elapsed = ContinuousClock.now - start
        seconds.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
}
