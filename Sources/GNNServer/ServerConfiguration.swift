import Foundation
import GNNFormats
import GNNKernels

/// How every served model is opened and run, as `predict`'s options of the same names say.
public struct ScoringOptions: Sendable {
    /// Serve a graph that differs from the model's recorded training graph (with a warning in the log), as
    /// `predict --allow-graph-mismatch` does.
    public var allowGraphMismatch = false
    /// Serve a graph with NaN or infinite input features (with a warning in the log), as `predict
    /// --allow-nonfinite` does.
    public var allowNonfinite = false
    /// How the node state is stored during each forward pass (`predict --state-dtype`); nil: each model
    /// file's recommendation where it applies, else float32.
    public var stateDType: StateDType?

    public init() {}
}

/// What clients may send: the largest batch and body, and how long a connection may sit idle.
public struct ServerLimits: Sendable {
    /// Most node ids in one inference request (larger: 413).
    public var maxBatch: Int
    /// Most bytes in one request body (larger: 413).
    public var maxBody: Int
    /// Seconds a connection may go without reading a request part before it is closed (slow or
    /// half-open clients).
    public var idleTimeout: Double
    /// Seconds a client may take to send one whole request, from connecting or from the end of the last
    /// response it was owed (clients that trickle a body; `RequestReadDeadline`).
    public var requestTimeout: Double

    /// The longest timeout accepted: a week, far inside what NIO's nanosecond clock holds.
    public static let longestTimeout: Double = 7 * 86_400

    public init(maxBatch: Int = 65_536, maxBody: Int = 16 << 20, idleTimeout: Double = 30, requestTimeout: Double = 60) {
        self.maxBatch = maxBatch
        self.maxBody = maxBody
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
    }
}

/// Everything `gnn-serve serve` is told on its command line.
public struct ServerConfiguration: Sendable {
    public var models: ModelRegistry.Sources
    /// Address to bind: loopback unless told otherwise.
    public var host: String
    /// Port to bind; 0 picks a free one (the log's "serving" line names it).
    public var port: Int
    public var limits: ServerLimits
    /// The bearer token every route but the health probes requires, if any.
    public var token: String?
    public var scoring = ScoringOptions()

    public init(models: ModelRegistry.Sources, host: String = "127.0.0.1", port: Int = 8000,
                limits: ServerLimits = ServerLimits(), token: String? = nil) {
        self.models = models
        self.host = host
        self.port = port
        self.limits = limits
        self.token = token
    }

    /// The token in `path`: its first line, without surrounding white space; an empty one is refused.
    public static func readToken(_ path: String) throws -> String {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw GNNError("cannot be read: \(error.localizedDescription)", in: path)
        }
        let token = (text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? "")
            .trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty else { throw GNNError("holds no token on its first line", in: path) }
        return token
    }
}
