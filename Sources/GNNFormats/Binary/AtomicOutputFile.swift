#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@preconcurrency import Dispatch
import Synchronization

/// An output file that appears at its final path only when complete.
///
/// Bytes go to a temporary file beside the destination (`.NAME.tmp-PID`); `commit()` flushes it and
/// renames it over the destination. A failure, a thrown error, or SIGINT/SIGTERM removes the temporary
/// file, so an interrupted run never leaves a partial output behind.
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
        InterruptCleanup.shared.register(temporaryPath)
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            InterruptCleanup.shared.unregister(temporaryPath)
            throw GNNError("cannot create output file: \(systemReason(errno))", in: path,
                           fix: "check that the directory exists and is writable")
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        if !committed {
            unlink(temporaryPath)
            InterruptCleanup.shared.unregister(temporaryPath)
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
        InterruptCleanup.shared.unregister(temporaryPath)
    }
}

/// Removes registered temporary files when the process is interrupted (SIGINT, SIGTERM, SIGHUP), then
/// exits with status 128 + the signal number, as a shell reports a signal death.
public final class InterruptCleanup: @unchecked Sendable {
    static let shared = InterruptCleanup()

    /// Installs the signal handlers now, so that no output file can be created before they are in place.
    /// Command-line tools call this first thing.
    public static func install() {
        _ = shared
    }

    private let paths = Mutex<Set<String>>([])
    private let sources: [any DispatchSourceSignal]

    private init() {
        let queue = DispatchQueue(label: "gnn-serve.interrupt-cleanup")
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            sources.append(source)
        }
        self.sources = sources
        for (source, signalNumber) in zip(sources, [SIGINT, SIGTERM, SIGHUP]) {
            source.setEventHandler { [self] in
                self.paths.withLock { for path in $0 { unlink(path) } }
                _exit(128 + signalNumber)
            }
            source.resume()
        }
    }

    func register(_ path: String) { paths.withLock { _ = $0.insert(path) } }
    func unregister(_ path: String) { paths.withLock { _ = $0.remove(path) } }
}
