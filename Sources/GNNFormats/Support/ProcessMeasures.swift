import Foundation

/// What `predict --stats` and the server's metrics report about the process: times in seconds and the
/// peak resident set size.
extension Duration {
    /// The duration in seconds, as a Double.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

/// The process's peak resident set size in bytes (getrusage's ru_maxrss, in KiB on Linux).
public func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}
