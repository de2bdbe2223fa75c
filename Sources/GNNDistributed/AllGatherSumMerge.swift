import CMPI
import GNNKernels
import GNNModels

/// The merge of the shards' exact sums over MPI: every rank gathers every rank's buckets
/// (`MPI_Allgather`) and adds them itself. The sums are exact integers, so the order of the additions, and
/// hence MPI's algorithm, cannot change the result.
///
/// Traffic per call: each rank receives K × sums × 32 KiB (the buckets of every rank).
public final class AllGatherSumMerge: ShardSumMerge, @unchecked Sendable {
    private let world: MPIWorld

    public init(world: MPIWorld) {
        self.world = world
    }

    public func merge(_ sums: inout [ExactSum]) {
        let words = ExactSum.wordCount * sums.count
        var mine = sums.flatMap(\.words)
        var all = [UInt64](repeating: 0, count: words * world.size)
        MPI_Allgather(&mine, Int32(words), cmpi_uint64(), &all, Int32(words), cmpi_uint64(), world.communicator)
        for j in sums.indices {
            var total = ExactSum()
            for rank in 0..<world.size {
                let start = rank * words + j * ExactSum.wordCount
                total.add(ExactSum(words: all[start..<start + ExactSum.wordCount]))
            }
            sums[j] = total
        }
    }
}
