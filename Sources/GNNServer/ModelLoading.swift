import GNNFormats
import Logging
import ServiceLifecycle
import UnixSignals

/// The service that loads the models at start and again on SIGHUP, until graceful shutdown.
struct ModelLoading: Service {
    let registry: ModelRegistry
    let logger: Logger
    /// With one `--model`, a model that cannot be loaded at start stops the server with its error; a
    /// repository server keeps serving its other models and reports the failure in its index.
    let failOnStartError: Bool

    func run() async throws {
        let names = try registry.initialNames()
        // SIGTERM during the first passes stops the server at once rather than after them.
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for name in names {
                        group.addTask {
                            do {
                                try await registry.load(name)
                            } catch let error as ServeError where failOnStartError {
                                throw GNNError(error.message)
                            } catch let error as CancellationError {
                                throw error
                            } catch where !failOnStartError {
                                // Logged by the registry, which keeps the reason for the index.
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
        } catch is CancellationError {
            return
        }
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        try await cancelWhenGracefulShutdown {
            for await _ in hangups {
                logger.info("SIGHUP: reloading every served model")
                await registry.reloadAll()
            }
        }
    }
}
