import Foundation
import GNNFormats

/// The `.npy` output of a sharded run, written in place: rank 0 creates the file at its full size with the
/// header, then every rank writes its owned rows at the offsets of their input ids, so no rank holds more
/// than its own rows. The file appears only when every rank has written (`AtomicOutputFile` on rank 0).
///
/// The ranks must see one file system at the output's path (one host, or a shared one).
public final class ShardedNpyOutput {
    private let world: MPIWorld
    /// Rank 0's output; nil on the others.
    private let file: AtomicOutputFile?
    private let descriptor: Int32
    private let headerBytes: Int
    private let path: String

    /// Collective: rank 0 creates `path` (temporarily) with `header` and room for `rows` × `rowBytes`;
    /// every rank opens it. A problem on any rank stops every rank (`MPIWorld.Stop`).
    public init(path: String, header: [UInt8], rows: Int, rowBytes: Int, world: MPIWorld) throws {
        self.world = world
        self.path = path
        headerBytes = header.count
        var file: AtomicOutputFile?
        var problem: String?
        if world.rank == 0 {
            do {
                let created = try AtomicOutputFile(path: path, shared: true)
                try created.setLength(UInt64(header.count + rows * rowBytes))
                try created.write(header, at: 0)
                file = created
            } catch {
                problem = "rank 0: \(error)"
            }
        }
        try world.agree(problem)
        self.file = file
        let temporary = world.broadcast(file?.temporaryPath ?? "")
        descriptor = open(temporary, O_WRONLY)
        try world.agree(descriptor >= 0 ? nil : "rank \(world.rank): \(path): cannot open the output rank 0 created (\(String(cString: strerror(errno)))); the ranks need one file system there")
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Collective: writes `bytes(positions)` for each run of consecutive input ids, then rank 0 moves the file
    /// into place once every rank has written. `ids` are this rank's input ids in ascending order; `bytes`
    /// gives the rows of the ids at `positions` of `ids`.
    public func write(ids: [Int], rowBytes: Int, bytes: (Range<Int>) -> [UInt8]) throws {
        var problem: String?
        var start = 0
        while start < ids.count, problem == nil {
            var end = start + 1
            while end < ids.count && ids[end] == ids[end - 1] + 1 { end += 1 }
            let run = bytes(start..<end)
            let written = run.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(headerBytes + ids[start] * rowBytes)) }
            if written != run.count { problem = "rank \(world.rank): \(path): cannot write rows: \(String(cString: strerror(errno)))" }
            start = end
        }
        if problem == nil && fsync(descriptor) != 0 { problem = "rank \(world.rank): \(path): cannot flush rows: \(String(cString: strerror(errno)))" }
        try world.agree(problem)
        try file?.commit()
    }
}
