#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An output file that appears at its final path only when complete.
///
/// Bytes go to a temporary file beside the destination (`.NAME.tmp-PID`); `commit()` flushes it and
/// renames it over the destination. A failure or a thrown error removes the temporary file; while it exists
/// it is listed in `TemporaryFiles`, so that a command-line tool's signal handling can remove it too, and
/// an interrupted run never leaves a partial output behind.
public final class AtomicOutputFile {
    /// The destination path.
    public let path: String
    /// The temporary file's path, removed unless committed.
    public let temporaryPath: String
    private var descriptor: Int32
    private var committed = false

    /// Creates the temporary file. Refuses an existing destination unless `overwrite` is set.
    public init(path: String, overwrite: Bool = true) throws {
        self.path = path
        if !overwrite && access(path, F_OK) == 0 {
            throw GNNError("already exists", in: path, fix: "choose another output path or pass --force")
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        temporaryPath = "\(directory).\(name).tmp-\(getpid())"
        TemporaryFiles.register(temporaryPath)
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            TemporaryFiles.unregister(temporaryPath)
            throw GNNError("cannot create output file: \(systemReason(errno))", in: path,
                           fix: "check that the directory exists and is writable")
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        if !committed {
            unlink(temporaryPath)
            TemporaryFiles.unregister(temporaryPath)
        }
    }

    /// Writes `bytes` at `offset` of the temporary file.
    public func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw GNNError("write failed: \(systemReason(errno))", in: path, fix: "check free disk space")
            }
            done += n
        }
    }

    /// Writes `bytes` at `offset` of the temporary file.
    public func write(_ bytes: [UInt8], at offset: UInt64) throws {
        try bytes.withUnsafeBytes { try write($0, at: offset) }
    }

    /// Sets the temporary file's length (extending it with zeros).
    public func setLength(_ length: UInt64) throws {
        guard ftruncate(descriptor, off_t(length)) == 0 else {
            throw GNNError("cannot size output file: \(systemReason(errno))", in: path, fix: "check free disk space")
        }
    }

    /// Flushes the temporary file to disk and renames it to `path`.
    public func commit() throws {
        guard fsync(descriptor) == 0 else {
            throw GNNError("cannot flush output file: \(systemReason(errno))", in: path)
        }
        close(descriptor)
        descriptor = -1
        guard rename(temporaryPath, path) == 0 else {
            throw GNNError("cannot move output file into place: \(systemReason(errno))", in: path)
        }
        committed = true
        TemporaryFiles.unregister(temporaryPath)
    }
}
