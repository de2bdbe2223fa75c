import GNNFormats
import Logging
import Synchronization

/// The models a server serves: for each name its current version, whether a load is running, and why it
/// is unavailable or why its last load failed.
///
/// Requests read the current `ServedModel` under a lock held for one dictionary lookup and keep that
/// reference, so a reload never blocks them and requests in flight finish on the version they started
/// with. Loads of one model run one after another (a `load` during a load waits its turn and then reads
/// the files again); the new version replaces the old only once its forward pass is complete, and a
/// failed load leaves the old version serving.
public final class ModelRegistry: Sendable {
    /// The repository index's model states.
    enum State: String {
        case ready = "READY", loading = "LOADING", unavailable = "UNAVAILABLE"
    }

    struct Entry {
        var served: ServedModel?
        var loading = 0
        /// Why the model is unavailable, or the error of its last failed load.
        var reason = ""
        var unloaded = false

        var state: State {
            if unloaded || served == nil { return loading > 0 ? .loading : .unavailable }
            return .ready
        }
    }

    /// Where a name's files are: one fixed model (`--model`), or a repository folder (`--repository`).
    public enum Sources: Sendable {
        case single(ModelSource)
        case repository(String)
    }

    private let sources: Sources
    private let entries = Mutex<[String: Entry]>([:])
    private let loadCounter = Mutex(0)
    private let chain = LoadChain()
    private let logger: Logger
    private let metrics: ServerMetrics

    /// What the input checks let through and how the passes store their state (`ServerConfiguration`).
    private let scoring: ScoringOptions

    init(sources: Sources, logger: Logger, metrics: ServerMetrics, scoring: ScoringOptions = ScoringOptions()) {
        self.sources = sources
        self.scoring = scoring
        self.logger = logger
        self.metrics = metrics
    }

    /// The names served at start: the one model, or every model folder of the repository.
    func initialNames() throws -> [String] {
        switch sources {
        case .single(let source): [source.name]
        case .repository(let directory): try ModelSource.names(inRepository: directory)
        }
    }

    /// The current version of `name`, or the refusal a request for it gets: 404 for a name the server does
    /// not know, 400 while it is loading or unloaded (the protocol's "not ready" status).
    func served(_ name: String) throws -> ServedModel {
        guard let entry = entries.withLock({ $0[name] }) else {
            throw ServeError(.notFound, "unknown model \"\(name)\"")
        }
        guard !entry.unloaded, let served = entry.served else {
            throw ServeError(.badRequest, "model \"\(name)\" is not ready (\(entry.state.rawValue.lowercased())\(entry.reason.isEmpty ? "" : ": " + entry.reason))")
        }
        return served
    }

    /// Whether `name` is known, and its current version if it is ready.
    func readiness(_ name: String) -> (known: Bool, served: ServedModel?) {
        guard let entry = entries.withLock({ $0[name] }) else { return (false, nil) }
        return (true, entry.unloaded ? nil : entry.served)
    }

    /// Whether the server knows a model and every model not unloaded on purpose is ready.
    var allReady: Bool {
        entries.withLock { entries in
            !entries.isEmpty && entries.values.allSatisfy { $0.unloaded || $0.state == .ready }
        }
    }

    /// The repository index: every model known or found in the repository folder, by name.
    func index() -> [(name: String, version: String?, state: State, reason: String)] {
        var known = entries.withLock { $0 }
        if case .repository = sources, let names = try? initialNames() {
            for name in names where known[name] == nil {
                known[name] = Entry(reason: "not loaded")
            }
        }
        return known.keys.sorted().map { name in
            let entry = known[name]!
            return (name, entry.unloaded ? nil : entry.served?.version.description, entry.state, entry.reason)
        }
    }

    /// Every served model's current version (for metrics).
    func servedModels() -> [ServedModel] {
        entries.withLock { $0.values.compactMap { $0.unloaded ? nil : $0.served } }
    }

    /// Loads `name` again from its files and swaps the new version in; returns it once ready. Throws a
    /// 404 for a name with no files, and a 400 with the load's error, the old version still serving.
    @discardableResult
    func load(_ name: String) async throws -> ServedModel {
        let source = try source(named: name)
        entries.withLock { $0[name, default: Entry(reason: "loading")].loading += 1 }
        let result = await chain.run(name) { [self] in
            let counter = loadCounter.withLock { counter in
                counter += 1
                return counter
            }
            do {
                return Result<ServedModel, any Error>.success(try await ServedModel.load(source, loadCounter: counter, scoring: scoring,
                                                                                      logger: logger))
            } catch {
                return .failure(error)
            }
        }
        entries.withLock { entries in
            entries[name]!.loading -= 1
            switch result {
            case .success(let served):
                entries[name]!.served = served
                entries[name]!.unloaded = false
                entries[name]!.reason = ""
            case .failure(let error):
                entries[name]!.reason = "load failed: \(Self.text(error))"
            }
        }
        switch result {
        case .success(let served):
            metrics.recordLoad(served)
            return served
        case .failure(let error as CancellationError):
            logger.info("load abandoned: the server is stopping", metadata: ["model": "\(name)"])
            throw error
        case .failure(let error):
            metrics.recordLoadFailure(name)
            logger.error("load failed; the previous version, if any, keeps serving",
                         metadata: ["model": "\(name)", "error": "\(Self.text(error))"])
            throw ServeError(.badRequest, "loading model \"\(name)\" failed: \(Self.text(error))")
        }
    }

    /// Stops serving `name` (requests get 400 until it is loaded again). Throws 404 for an unknown name.
    func unload(_ name: String) throws {
        try entries.withLock { entries in
            guard entries[name] != nil else { throw ServeError(.notFound, "unknown model \"\(name)\"") }
            entries[name]!.unloaded = true
            entries[name]!.served = nil
            entries[name]!.reason = "unloaded"
        }
        logger.info("model unloaded", metadata: ["model": "\(name)"])
    }

    /// Loads again every model currently served (SIGHUP); failures are logged and leave the old versions.
    func reloadAll() async {
        let names = entries.withLock { entries in entries.filter { !$0.value.unloaded }.map(\.key) }
        await withTaskGroup(of: Void.self) { group in
            for name in names { group.addTask { _ = try? await self.load(name) } }
        }
    }

    private func source(named name: String) throws -> ModelSource {
        switch sources {
        case .single(let source):
            guard source.name == name else { throw ServeError(.notFound, "unknown model \"\(name)\"") }
            return source
        case .repository(let directory):
            do {
                return try ModelSource.inRepository(directory, name: name)
            } catch let error as GNNError {
                throw ServeError(.notFound, "model \"\(name)\": \(error.description)")
            }
        }
    }

    private static func text(_ error: any Error) -> String {
        (error as? GNNError)?.description ?? "\(error)"
    }
}

/// Runs the loads of each model one after another, in the order they were asked for.
private actor LoadChain {
    private var last: [String: Task<Void, Never>] = [:]

    /// Cancelling the caller cancels its operation (the chain's next load still waits for it to end).
    func run<T: Sendable>(_ name: String, _ operation: @escaping @Sendable () async -> T) async -> T {
        let previous = last[name]
        let task = Task<T, Never> {
            await previous?.value
            return await operation()
        }
        last[name] = Task { _ = await task.value }
        return await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
    }
}
