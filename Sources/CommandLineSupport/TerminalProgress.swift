import Foundation
import GNNFormats
#if canImport(Glibc)
import Glibc
#endif

/// Shows progress on stderr as one rewritten line, only when stderr is a terminal and not `--quiet`.
public final class TerminalProgress: ProgressSink, @unchecked Sendable {
    private let lock = NSLock()
    private var lastDraw = Date.distantPast
    private var lastStage = ""
    private let start = Date()

    /// A progress display, or `nil` when nothing should be shown (`quiet`, or stderr is not a terminal).
    public static func make(quiet: Bool) -> TerminalProgress? {
        quiet || isatty(STDERR_FILENO) == 0 ? nil : TerminalProgress()
    }

    public func report(_ stage: String, _ fraction: Double) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard stage != lastStage || now.timeIntervalSince(lastDraw) >= 0.1 || fraction >= 1 else { return }
        lastDraw = now
        lastStage = stage
        let elapsed = now.timeIntervalSince(start)
        var line = "\r\(stage) " + String(format: "%3.0f%%  %.1fs", min(max(fraction, 0), 1) * 100, elapsed)
        if fraction > 0.02 && fraction < 1 {
            line += String(format: "  (ETA %.0fs)", elapsed / fraction * (1 - fraction))
        }
        CommandLineOutput.writeRaw(line + "\u{1B}[K")
    }

    /// Clears the progress line.
    public func finish() {
        CommandLineOutput.writeRaw("\r\u{1B}[K")
    }
}
