import Dispatch
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// `gnn-serve serve`: an Open Inference Protocol (KServe v2) REST server over the scores of one or more
/// models, each computed once per load by the same forward pass as `predict`.
///
/// The server answers health probes as soon as it listens and reports ready once every model's forward
/// pass is done. SIGHUP and `POST /v2/repository/models/{name}/load` recompute in the background and swap
/// the new scores in; SIGTERM and SIGINT stop accepting connections, let requests in flight finish and
/// return.
public struct InferenceServer: Sendable {
    public let configuration: ServerConfiguration
    public let logger: Logger

    public init(configuration: ServerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Serves until SIGTERM or SIGINT; throws when the address cannot be bound or, with one `--model`,
    /// when that model cannot be loaded at start.
    public func run() async throws {
        let metrics = ServerMetrics()
        let registry = ModelRegistry(sources: configuration.models, logger: logger, metrics: metrics,
                                     scoring: configuration.scoring)
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: RequestAccounting(metrics: metrics))
        if let token = configuration.token { router.add(middleware: BearerTokenCheck(token: token)) }
        InferenceRoutes(registry: registry, metrics: metrics, limits: configuration.limits).add(to: router)

        let logger = self.logger
        let idle = TimeAmount.nanoseconds(Int64(configuration.limits.idleTimeout * 1e9))
        let requestDeadline = TimeAmount.nanoseconds(Int64(configuration.limits.requestTimeout * 1e9))
        let app = Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [RequestReadDeadline(deadline: requestDeadline)],
                                                idleTimeout: idle)),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "gnn-serve"),
            onServerRunning: { channel in
                logger.notice("serving", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")",
                                                    "port": "\(channel.localAddress?.port ?? 0)"])
            },
            logger: logger)
        let loading = ModelLoading(registry: registry, logger: logger,
                                   failOnStartError: { if case .single = configuration.models { true } else { false } }())
        let group = ServiceGroup(configuration: .init(services: [app, loading], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        try await group.run()
        logger.notice("stopped")
    }

    /// `run()` from synchronous code (the command line's `run`), blocking the calling thread until the
    /// server stops.
    public func runBlocking() throws {
        let outcome = Mutex<(any Error)?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await run()
            } catch {
                outcome.withLock { $0 = error }
            }
            done.signal()
        }
        done.wait()
        if let error = outcome.withLock({ $0 }) { throw error }
    }
}
