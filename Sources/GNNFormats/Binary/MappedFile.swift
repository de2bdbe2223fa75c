#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if _endian(big)
#error("gnn-serve's file formats are little-endian and are used in place; big-endian hosts are not supported")
#endif

/// A whole file mapped read-only into memory.
///
/// Mapping costs O(1) in the file's size: pages are read from disk only when touched, so opening a
/// multi-GB graph reads nothing but its header and table.
public final class MappedFile: @unchecked Sendable {
    /// The path the file was opened from, for error messages.
    public let path: String
    /// The file's bytes. Empty for an empty file.
    public let bytes: UnsafeRawBufferPointer

    /// Maps the file at `path`, or throws a `GNNError` naming the path and the system's reason.
    public init(path: String) throws {
        self.path = path
        // Opened without blocking: opening a FIFO for reading would otherwise wait for a writer forever.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { throw GNNError(systemReason(errno), in: path, fix: "check the path") }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw GNNError(systemReason(errno), in: path) }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw GNNError("is a directory, not a file", in: path)
        case S_IFIFO, S_IFSOCK:
            throw GNNError("is a pipe or socket, not a file that can be read in place", in: path, fix: "save the data to a file first")
        default:
            throw GNNError("is a device, not a file", in: path, fix: "give a regular file")
        }
        let size = Int(status.st_size)
        if size == 0 && (path.hasPrefix("/proc/") || path.hasPrefix("/sys/")) {
            throw GNNError("is a kernel pseudo-file, which has no fixed size or content, not a data file", in: path,
                           fix: "copy its content to a file first")
        }
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw GNNError("cannot be mapped into memory: \(systemReason(errno))", in: path)
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    /// Calls `body` with the bytes, keeping the mapping alive until it returns.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try body(bytes) }
    }

    /// Lets the kernel drop the pages of `range` from this process's memory; they are read from the file
    /// again if touched. Used once an array is no longer needed (node features after the input layer), so
    /// that it stops counting towards resident memory.
    public func release(_ range: Range<Int>) {
        guard !range.isEmpty else { return }
        drop(from: range.lowerBound / Self.pageBytes * Self.pageBytes, to: range.upperBound)
    }

    /// `release` of the whole pages inside `range` only, for an array released a piece at a time while other
    /// threads still read the neighbouring pieces (which share its edge pages).
    public func releasePages(within range: Range<Int>) {
        let page = Self.pageBytes
        drop(from: (range.lowerBound + page - 1) / page * page, to: range.upperBound / page * page)
    }

    /// madvise(DONTNEED) of the bytes `start..<end` (`start` on a page boundary); nothing when empty.
    private func drop(from start: Int, to end: Int) {
        guard let base = bytes.baseAddress, start < end else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }

    private static let pageBytes = Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// The C library's message for `code`, e.g. "No such file or directory".
func systemReason(_ code: Int32) -> String {
    String(cString: strerror(code))
}
