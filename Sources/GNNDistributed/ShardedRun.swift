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
            try ForwardPass.checkCompatible(model, graph)
            if let problem = ForwardPass.shardingProblem(model) { throw GNNError(problem, fix: "run it on the whole graph") }
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

    /// The outputs of every node of the whole graph, rows in input-id order, on rank 0 (nil on the others):
    /// each rank sends its owned rows and their input ids (`MPI_Gatherv`).
    ///
    /// Memory on rank 0: N × columns floats of the whole graph, the size of a single-process pass's output.
    public static func gather(_ result: ForwardPass.Result, layout: ShardLayout, world: MPIWorld) -> [Float]? {
        let owned = layout.ownedRows, columns = result.columns
        var ids = owned.map { layout.nodeIDs[$0] } + [0]
        var rows = [Float](repeating: 0, count: (owned.count + 1) * columns)
        for (k, row) in owned.enumerated() {
            for c in 0..<columns { rows[k * columns + c] = result.outputs[row * columns + c] }
        }
        var count = Int32(owned.count)
        var counts = [Int32](repeating: 0, count: world.size)
        MPI_Gather(&count, 1, cmpi_int32(), &counts, 1, cmpi_int32(), 0, world.communicator)
        var offsets = [Int32](repeating: 0, count: world.size)
        for r in 1..<max(world.size, 1) { offsets[r] = offsets[r - 1] + counts[r - 1] }
        let total = world.rank == 0 ? layout.wholeNodeCount : 0
        var allIDs = [UInt64](repeating: 0, count: total + 1)
        var allRows = [Float](repeating: 0, count: (total + 1) * columns)
        MPI_Gatherv(&ids, count, cmpi_uint64(), &allIDs, &counts, &offsets, cmpi_uint64(), 0, world.communicator)
        var rowType: MPI_Datatype?
        MPI_Type_contiguous(Int32(columns), cmpi_float(), &rowType)
        MPI_Type_commit(&rowType)
        MPI_Gatherv(&rows, count, rowType, &allRows, &counts, &offsets, rowType, 0, world.communicator)
        MPI_Type_free(&rowType)
        guard world.rank == 0 else { return nil }
        var outputs = [Float](repeating: 0, count: total * columns)
        for k in 0..<total {
            let id = Int(allIDs[k])
            for c in 0..<columns { outputs[id * columns + c] = allRows[k * columns + c] }
        }
        return outputs
    }
}
