import CMPI
import GNNFormats
import GNNModels

/// The halo exchange over MPI: one neighbourhood all-to-all (`MPI_Neighbor_alltoallv`) over the graph of
/// shards that read each other's rows (`MPI_Dist_graph_create_adjacent`), moving exactly the rows the
/// shards' lists name (`formats/graph.md` §6.2).
///
/// Each call gathers the rows this shard sends into one buffer, grouped by reader, exchanges, and scatters
/// the received rows into the halo rows. Memory: (sent + halo rows) × columns floats, kept for the next call.
public final class NeighbourHaloExchange: HaloExchange, @unchecked Sendable {
    /// Bytes this rank sent in each exchange so far, in call order (one per convolution).
    public private(set) var sentBytes: [Int] = []
    /// Seconds each exchange took on this rank, waiting for slower ranks included.
    public private(set) var seconds: [Double] = []

    private var communicator: MPI_Comm?
    private let sendRows: [Int], haloRows: [Int]
    private let sendCounts: [Int32], sendOffsets: [Int32], receiveCounts: [Int32], receiveOffsets: [Int32]
    private var sendBuffer: [Float] = [], receiveBuffer: [Float] = []
    /// A row of `columns` floats as one MPI datatype, so that counts stay in rows (`MPI_Type_contiguous`).
    private var rowTypes: [Int: MPI_Datatype?] = [:]

    /// Builds the shard graph of `layout` over every rank of `world` (collective: every rank calls it).
    public init(_ layout: ShardLayout, world: MPIWorld) {
        let readers = (0..<layout.shardCount).filter { layout.sendCounts[$0] > 0 }
        let owners = (0..<layout.shardCount).filter { layout.haloCounts[$0] > 0 }
        sendRows = layout.send
        haloRows = layout.halo
        sendCounts = readers.map { Int32(layout.sendCounts[$0]) }
        receiveCounts = owners.map { Int32(layout.haloCounts[$0]) }
        sendOffsets = Self.offsets(sendCounts)
        receiveOffsets = Self.offsets(receiveCounts)
        // Open MPI reads no element of an empty list, but Swift gives an empty array no address: pad by one.
        var sources = owners.map(Int32.init) + [0], destinations = readers.map(Int32.init) + [0]
        MPI_Dist_graph_create_adjacent(world.communicator, Int32(owners.count), &sources, cmpi_unweighted(),
                                       Int32(readers.count), &destinations, cmpi_unweighted(), cmpi_info_null(),
                                       0, &communicator)
    }

    deinit {
        for var type in rowTypes.values { MPI_Type_free(&type) }
        MPI_Comm_free(&communicator)
    }

    private static func offsets(_ counts: [Int32]) -> [Int32] {
        var offsets: [Int32] = [], total: Int32 = 0
        for count in counts { offsets.append(total); total += count }
        return offsets + [total]
    }

    private func rowType(_ columns: Int) -> MPI_Datatype? {
        if let type = rowTypes[columns] { return type }
        var type: MPI_Datatype?
        MPI_Type_contiguous(Int32(columns), cmpi_float(), &type)
        MPI_Type_commit(&type)
        rowTypes[columns] = type
        return type
    }

    public func exchange(_ rows: UnsafeMutablePointer<Float>, columns: Int) {
        let start = ContinuousClock.now
        if sendBuffer.count < (sendRows.count + 1) * columns { sendBuffer = [Float](repeating: 0, count: (sendRows.count + 1) * columns) }
        if receiveBuffer.count < (haloRows.count + 1) * columns { receiveBuffer = [Float](repeating: 0, count: (haloRows.count + 1) * columns) }
        sendBuffer.withUnsafeMutableBufferPointer { send in
            for (k, row) in sendRows.enumerated() {
                (send.baseAddress! + k * columns).update(from: rows + row * columns, count: columns)
            }
        }
        var sendCounts = sendCounts + [0], sendOffsets = sendOffsets
        var receiveCounts = receiveCounts + [0], receiveOffsets = receiveOffsets
        let type = rowType(columns)
        MPI_Neighbor_alltoallv(&sendBuffer, &sendCounts, &sendOffsets, type,
                               &receiveBuffer, &receiveCounts, &receiveOffsets, type, communicator)
        receiveBuffer.withUnsafeBufferPointer { received in
            for (k, row) in haloRows.enumerated() {
                (rows + row * columns).update(from: received.baseAddress! + k * columns, count: columns)
            }
        }
        sentBytes.append(sendRows.count * columns * MemoryLayout<Float>.size)
        let elapsed = ContinuousClock.now - start
        seconds.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
}
