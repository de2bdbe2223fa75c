#if canImport(Glibc)
import Glibc
#endif
@preconcurrency import Dispatch
import GNNConcurrency
import GNNFormats

/// Removes the tools' unfinished output files when the process is interrupted (SIGINT, SIGTERM, SIGHUP),
/// then exits with status 128 + the signal number, as a shell reports a signal death.
///
/// The signals are taken on a dispatch queue (not in an async-signal context), so the cleanup may lock
/// and allocate.
public enum InterruptCleanup {
    /// Kept for the life of the process: a released source stops delivering its signal.
    private static let sources: UnsafeTransfer<[any DispatchSourceSignal]> = {
        let queue = DispatchQueue(label: "gnn-serve.interrupt-cleanup")
        return UnsafeTransfer([SIGINT, SIGTERM, SIGHUP].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler {
                TemporaryFiles.removeAll()
                _exit(128 + signalNumber)
            }
            source.resume()
            return source
        })
    }()

    /// Installs the signal handlers now, so that no output file can be created before they are in place.
    /// Command-line tools call this first thing.
    public static func install() {
        _ = sources
    }

    /// Stops handling the signals, for a long-running command that handles them itself (`serve` shuts down
    /// gracefully) and writes no output file that could be left unfinished.
    public static func handOver() {
        for source in sources.value { source.cancel() }
    }
}
