/// Receives progress of long work: a stage name and the overall fraction done (0–1).
///
/// The library only reports; the command-line front end decides whether and how to show it.
public protocol ProgressSink: Sendable {
    func report(_ stage: String, _ fraction: Double)
}
