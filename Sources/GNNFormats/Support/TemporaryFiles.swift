#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The temporary files this process is writing and has not yet committed (`AtomicOutputFile`), and others it
/// removes when done (the whole graph `pack --shards` cuts the shards from).
///
/// The library only keeps the list; what happens on a signal is the program's business (the command-line
/// tools' `InterruptCleanup` calls `removeAll()` before exiting), so that a library user can handle
/// signals its own way.
public enum TemporaryFiles {
    private static let paths = Mutex<Set<String>>([])

    /// Lists `path` for removal on a signal (a file the program removes itself when done with it).
    public static func register(_ path: String) { paths.withLock { _ = $0.insert(path) } }
    /// Takes `path` off the list.
    public static func unregister(_ path: String) { paths.withLock { _ = $0.remove(path) } }

    /// Unlinks every temporary file not yet committed.
    public static func removeAll() {
        paths.withLock { for path in $0 { unlink(path) } }
    }
}
