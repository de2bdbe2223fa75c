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
        self.problem = Self.bounded(problem)
        self.fix = fix.map(Self.bounded)
    }

    /// The longest problem or fix kept: messages list counts and the first few items, so only a value
    /// echoed from a hostile input comes near it; past it the text is cut, saying how much was cut.
    public static let maxLength = 2000

    /// Values from the input quoted in a message are cut to this many characters.
    public static let maxEchoLength = 80

    /// `value` as a message quotes it: cut to `maxEchoLength` characters.
    public static func echo(_ value: some StringProtocol) -> String {
        value.count <= maxEchoLength ? String(value) : value.prefix(maxEchoLength) + "… (\(value.count) characters)"
    }

    private static func bounded(_ text: String) -> String {
        text.count <= maxLength ? text : text.prefix(maxLength) + "… (\(text.count - maxLength) more characters)"
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
