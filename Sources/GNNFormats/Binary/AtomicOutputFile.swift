#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An output file that appears at its final path only when complete, and never as a partial or leftover
/// file, whatever ends the process.
///
/// A regular destination (or a new one) is written as a nameless file in its directory (Linux `O_TMPFILE`)
/// that `commit()` flushes and links into place (`linkat`, then `rename` over an existing file): a run
/// killed by SIGKILL or the OOM killer leaves nothing, since the kernel frees a nameless file with its last
/// descriptor. Where the file system lacks `O_TMPFILE` the bytes go to `.NAME.tmp-RANDOM`, created with
/// `O_EXCL | O_NOFOLLOW` (a planted symlink or file is never followed or reused) and listed in
/// `TemporaryFiles` so that a command-line tool's signal handling removes it.
///
/// A destination that exists and is not a regular file (`/dev/null`, another device node, a FIFO, a
/// socket) is never replaced: the bytes are staged in a nameless file under `TMPDIR` and copied into the
/// destination, in order, by `commit()`.
public final class AtomicOutputFile {
    /// The destination path.
    public let path: String
    /// Where the bytes go until `commit()`.
    private let staging: Staging
    private var descriptor: Int32
    private var committed = false
    /// Whether an existing regular file at `path` may be replaced (checked again at commit).
    private let overwrite: Bool

    private enum Staging {
        /// A nameless file in the destination's directory, linked to `path` on commit.
        case nameless(directory: String)
        /// A named temporary file beside the destination, renamed to `path` on commit.
        case named(String)
        /// A nameless file elsewhere, copied into the existing non-regular `path` on commit.
        case copiedInto
    }

    /// Linux's `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`), which Swift's Glibc module does not export.
    private static let openTemporary: Int32 = 0o20000000 | O_DIRECTORY

    /// Prepares the output. Refuses an existing regular destination unless `overwrite` is set; a device
    /// node, FIFO or socket is written into rather than replaced, so it needs no `overwrite`.
    ///
    /// `shared`: other processes write into the file before it is committed (the ranks of a sharded
    /// run), so it is staged under a name (`temporaryPath`) rather than nameless, and must be a regular file.
    public init(path: String, overwrite: Bool = true, shared: Bool = false) throws {
        self.path = path
        self.overwrite = overwrite
        let destination = try Self.checkDestination(path, overwrite: overwrite)
        if shared && destination == .nonRegular {
            throw GNNError("is not a regular file; the ranks of a sharded run write their rows into the output in place",
                           in: path, fix: "write to a regular file")
        }
        if destination == .nonRegular {
            let directory = Self.temporaryDirectory()
            descriptor = open(directory, Self.openTemporary | O_RDWR | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                throw GNNError("cannot stage output in \(directory): \(systemReason(errno))", in: path,
                               fix: "set TMPDIR to a writable directory")
            }
            staging = .copiedInto
            return
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? "./"
        descriptor = shared ? -1 : open(directory, Self.openTemporary | O_WRONLY | O_CLOEXEC, 0o644)
        if descriptor >= 0 {
            staging = .nameless(directory: directory)
            return
        }
        let temporary = Self.temporaryName(for: path, in: directory)
        TemporaryFiles.register(temporary)
        descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            TemporaryFiles.unregister(temporary)
            throw GNNError("cannot create output file: \(systemReason(errno))", in: path,
                           fix: "check that the directory exists and is writable")
        }
        staging = .named(temporary)
    }

    /// The name the bytes are staged under until `commit()`, when they have one (always with `shared`).
    public var temporaryPath: String? {
        if case .named(let temporary) = staging { return temporary }
        return nil
    }

    /// What `path` is as an output.
    public enum Destination {
        /// Nothing there yet, or a regular file to replace.
        case regular
        /// A device node, FIFO or socket, written into.
        case nonRegular
    }

    /// Refuses an output path before any work is done: an empty path, a directory, or an existing regular
    /// file unless `overwrite` is set. The writer checks again when it opens the output.
    @discardableResult
    public static func checkDestination(_ path: String, overwrite: Bool) throws -> Destination {
        guard !path.isEmpty else {
            throw GNNError("the output path is empty", fix: "give a file name, for example -o out.bin")
        }
        var status = stat()
        guard stat(path, &status) == 0 else { return .regular }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: throw GNNError("is a directory", in: path, fix: "give a file name inside it, for example \(path)/out.bin")
        case S_IFREG:
            if !overwrite { throw alreadyExists(path) }
            return .regular
        default: return .nonRegular
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        if !committed, case .named(let temporary) = staging {
            unlink(temporary)
            TemporaryFiles.unregister(temporary)
        }
    }

    /// Writes `bytes` at `offset` of the output.
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

    /// Writes `bytes` at `offset` of the output.
    public func write(_ bytes: [UInt8], at offset: UInt64) throws {
        try bytes.withUnsafeBytes { try write($0, at: offset) }
    }

    /// Sets the output's length (extending it with zeros).
    public func setLength(_ length: UInt64) throws {
        guard ftruncate(descriptor, off_t(length)) == 0 else {
            throw GNNError("cannot size output file: \(systemReason(errno))", in: path, fix: "check free disk space")
        }
    }

    /// Flushes the output to disk and puts it at `path`.
    public func commit() throws {
        switch staging {
        case .copiedInto:
            try copyIntoDestination()
        case .nameless(let directory):
            try flush()
            try linkIntoPlace(directory: directory)
        case .named(let temporary):
            try flush()
            guard rename(temporary, path) == 0 else {
                throw GNNError("cannot move output file into place: \(systemReason(errno))", in: path)
            }
            TemporaryFiles.unregister(temporary)
        }
        close(descriptor)
        descriptor = -1
        committed = true
    }

    private func flush() throws {
        guard fsync(descriptor) == 0 else {
            throw GNNError("cannot flush output file: \(systemReason(errno))", in: path)
        }
    }

    /// Gives the nameless file its name: directly when `path` is free, else (with `overwrite`) under a
    /// random name that is then renamed over `path` (`linkat` never replaces a file).
    private func linkIntoPlace(directory: String) throws {
        let source = "/proc/self/fd/\(descriptor)"
        if linkat(AT_FDCWD, source, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 { return }
        guard errno == EEXIST else {
            throw GNNError("cannot link output file into place: \(systemReason(errno))", in: path)
        }
        guard overwrite else { throw Self.alreadyExists(path) }
        let temporary = Self.temporaryName(for: path, in: directory)
        TemporaryFiles.register(temporary)
        defer { TemporaryFiles.unregister(temporary) }
        guard linkat(AT_FDCWD, source, AT_FDCWD, temporary, AT_SYMLINK_FOLLOW) == 0 else {
            throw GNNError("cannot link output file into place: \(systemReason(errno))", in: path)
        }
        guard rename(temporary, path) == 0 else {
            let reason = systemReason(errno)
            unlink(temporary)
            throw GNNError("cannot move output file into place: \(reason)", in: path)
        }
    }

    /// Copies the staged bytes, in order, into the existing device node, FIFO or socket at `path`.
    private func copyIntoDestination() throws {
        let target = open(path, O_WRONLY | O_CLOEXEC)
        guard target >= 0 else { throw GNNError("cannot open for writing: \(systemReason(errno))", in: path) }
        defer { close(target) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset: off_t = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress!, $0.count, offset) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw GNNError("cannot read staged output: \(systemReason(errno))", in: path) }
            if n == 0 { return }
            var done = 0
            while done < n {
                let written = buffer.withUnsafeBytes { Glibc.write(target, $0.baseAddress! + done, n - done) }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { throw GNNError("write failed: \(systemReason(errno))", in: path) }
                done += written
            }
            offset += off_t(n)
        }
    }

    /// The refusal of an existing output without `overwrite`.
    private static func alreadyExists(_ path: String) -> GNNError {
        GNNError("already exists", in: path, fix: "choose another output path or pass --force")
    }

    /// `.NAME.tmp-RANDOM` beside `path`: unpredictable, so that no one can plant a file or link there first.
    private static func temporaryName(for path: String, in directory: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return "\(directory).\(name).tmp-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
    }

    /// `TMPDIR`, or `/tmp`.
    private static func temporaryDirectory() -> String {
        guard let value = getenv("TMPDIR"), case let directory = String(cString: value), !directory.isEmpty else { return "/tmp" }
        return directory
    }
}
