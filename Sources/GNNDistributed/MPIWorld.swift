import CMPI
import Foundation

/// The processes `mpirun` started (`MPI_COMM_WORLD`): this one's rank, how many there are, and the few
/// collective steps a sharded run needs besides the halo exchange.
///
/// MPI is started on first use of `MPIWorld.shared` (`MPI_Init_thread`, serialized: only the thread that
/// runs the forward pass calls MPI) and finished by `finish()` (`MPI_Finalize`).
public final class MPIWorld: @unchecked Sendable {
    /// This process's rank, 0 ..< size.
    public let rank: Int
    /// The number of processes.
    public let size: Int
    let communicator: MPI_Comm?

    /// Starts MPI once per process.
    public static let shared = MPIWorld()

    private init() {
        var provided: Int32 = 0
        MPI_Init_thread(nil, nil, Int32(MPI_THREAD_SERIALIZED), &provided)
        communicator = cmpi_comm_world()
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(communicator, &rank)
        MPI_Comm_size(communicator, &size)
        self.rank = Int(rank)
        self.size = Int(size)
    }

    /// Whether this process was started by Open MPI's `mpirun` (which sets `OMPI_COMM_WORLD_SIZE`).
    public static var launchedByMPIRun: Bool { ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] != nil }

    /// Every rank says whether it can go on; when one cannot, every rank throws `MPIWorld.Stop`, and only
    /// the lowest rank that could not carries its problem, so that the job prints one line.
    ///
    /// The corresponding C function is `MPI_Allreduce` (`MPI_MIN` over the failing ranks).
    public func agree(_ problem: String?) throws {
        var mine = Int32(problem == nil ? size : rank), lowest: Int32 = 0
        MPI_Allreduce(&mine, &lowest, 1, cmpi_int32(), cmpi_op_min(), communicator)
        guard Int(lowest) < size else { return }
        throw Stop(problem: Int(lowest) == rank ? problem : nil)
    }

    /// Why a sharded run stopped on every rank; `problem` is set on the one rank that reports it.
    public struct Stop: Error {
        public var problem: String?
    }

    /// Gives every rank `value` of every rank, in rank order (`MPI_Allgather`).
    public func allGather(_ value: UInt64) -> [UInt64] {
        var mine = value
        var all = [UInt64](repeating: 0, count: size)
        MPI_Allgather(&mine, 1, cmpi_uint64(), &all, 1, cmpi_uint64(), communicator)
        return all
    }

    /// Rank 0's `text` on every rank (`MPI_Bcast`).
    public func broadcast(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var count = Int32(bytes.count)
        MPI_Bcast(&count, 1, cmpi_int32(), 0, communicator)
        var buffer = rank == 0 ? bytes + [0] : [UInt8](repeating: 0, count: Int(count) + 1)
        MPI_Bcast(&buffer, count, cmpi_byte(), 0, communicator)
        return String(decoding: buffer.prefix(Int(count)), as: UTF8.self)
    }

    /// Ends the whole job at once (`MPI_Abort`), for a failure on one rank after the ranks started working
    /// together, when the others would wait for it forever.
    public func abort() -> Never {
        MPI_Abort(communicator, 1)
        exit(1)
    }

    /// Finishes MPI (`MPI_Finalize`); no MPI call may follow.
    public func finish() { MPI_Finalize() }
}
