/// A failure the user can act on: bad input, a damaged file, a mismatch between files.
///
/// `description` is one line that says what is wrong, where, and how to fix it, ready for stderr:
/// `graph.bin: section "csr.sources" ends at byte 9000 but the file has 8192 bytes; the file is truncated, pack it again`.
public struct GNNError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file or argument the problem is in, when there is one.
    public let location: String?
    /// What is wrong, and where inside the file or argument.
    public let problem: String
    /// What the user can do about it, when there is something to say.
    public let fix: String?

    public init(_ problem: String, in location: String? = nil, fix: String? = nil) {
        self.location = location
        self.problem = problem
        self.fix = fix
    }

    /// The same error, attributed to `location` unless it already names one.
    public func located(at location: String) -> GNNError {
        self.location == nil ? GNNError(problem, in: location, fix: fix) : self
    }

    public var description: String {
        var line = location.map { "\($0): \(problem)" } ?? problem
        if let fix { line += "; \(fix)" }
        return line
    }
}
