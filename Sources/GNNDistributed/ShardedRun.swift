import CMPI
import GNNFormats
import GNNModels

/// What `mpirun -np K gnn-serve predict` does around the one forward pass each rank runs: open and check
/// this rank's shard against the set, and gather the owned rows' outputs on rank 0.
public enum ShardedRun {
    /// The shard file of `rank` named by `pattern` (`graph.shard-%d-of-4.bin`).
    public static func path(_ pattern: String, rank: Int) -> String {
        pattern.replacingOccurrences(of: "%d", with: String(rank))
    }

    /// Opens this rank's shard and checks, on every rank together, that the shards form one set of
    /// `world.size` shards that `model` can run on. A problem anywhere stops every rank before any work,
    /// with one line from the lowest rank that has one (`MPIWorld.Stop`).
    public static func open(_ pattern: String, model: GNNModel, world: MPIWorld) throws -> (GraphFile, ShardLayout) {
        let path = path(pattern, rank: world.rank)
        var opened: (GraphFile, ShardLayout)?
        var problem: String?
        do {
            let graph = try GraphFile(path: path)
            guard let layout = try ShardLayout(graph) else {
                throw GNNError("is a whole graph, not a shard", in: path, fix: "pack it with --shards \(world.size)")
            }
            guard layout.shardCount == world.size else {
                throw GNNError("is shard \(layout.index) of \(layout.shardCount), but mpirun started \(world.size) ranks",
                               in: path, fix: "run mpirun -np \(layout.shardCount)")
            }
            guard layout.index == world.rank else {
                throw GNNError("is shard \(layout.index) of \(layout.shardCount), but rank \(world.rank) reads it", in: path,
                               fix: "name the shards NAME.shard-%d-of-\(layout.shardCount).bin as pack wrote them")
            }
            // MPI counts are 32-bit: the exchange moves each neighbour's rows as one count of rows.
            guard (layout.sendCounts + layout.haloCounts).allSatisfy({ $0 <= Int(Int32.max) }) else {
                throw GNNError("exchanges more than \(Int32.max) rows with one shard, more than MPI's 32-bit counts can name",
                               in: path, fix: "pack the graph into more shards")
            }
            try ForwardPass.checkCompatible(model, graph)
            opened = (graph, layout)
        } catch {
            problem = "rank \(world.rank): \(error)"
        }
        try world.agree(problem)
        let sets = world.allGather(opened!.1.setID)
        try world.agree(sets[world.rank] == sets[0] ? nil
            : "rank \(world.rank): \(path): belongs to another set of shards than rank 0's \(self.path(pattern, rank: 0)); pack the shards again together")
        return opened!
    }

    /// Rank 0 receives every rank's rows of `values` (`width` elements each, row k going to slot `slots[k]`)
    /// as one `total` × `width` array in slot order; nil on the other ranks (`MPI_Gatherv`). Every slot in
    /// 0 ..< total must come from exactly one rank.
    ///
    /// Memory on rank 0: total × width elements (for all outputs: those of a single-process pass).
    public static func gather<T: BitwiseCopyable>(_ values: [T], width: Int, slots: [Int], total: Int, zero: T,
                                                   world: MPIWorld) -> [T]? {
        var count = Int32(slots.count)
        var counts = [Int32](repeating: 0, count: world.size)
        MPI_Gather(&count, 1, cmpi_int32(), &counts, 1, cmpi_int32(), 0, world.communicator)
        var offsets = [Int32](repeating: 0, count: world.size)
        for r in 1..<max(world.size, 1) { offsets[r] = offsets[r - 1] + counts[r - 1] }
        let received = world.rank == 0 ? total : 0
        var mySlots = slots.map { UInt64($0) } + [0]
        var allSlots = [UInt64](repeating: 0, count: received + 1)
        MPI_Gatherv(&mySlots, count, cmpi_uint64(), &allSlots, &counts, &offsets, cmpi_uint64(), 0, world.communicator)
        var rowType: MPI_Datatype?
        MPI_Type_contiguous(Int32(width * MemoryLayout<T>.stride), cmpi_byte(), &rowType)
        MPI_Type_commit(&rowType)
        var mine = values + [T](repeating: zero, count: width)
        var all = [T](repeating: zero, count: (received + 1) * width)
        MPI_Gatherv(&mine, count, rowType, &all, &counts, &offsets, rowType, 0, world.communicator)
        MPI_Type_free(&rowType)
        guard world.rank == 0 else { return nil }
        var placed = [T](repeating: zero, count: total * width)
        for k in 0..<total {
            let slot = Int(allSlots[k])
            for c in 0..<width { placed[slot * width + c] = all[k * width + c] }
        }
        return placed
    }
}
