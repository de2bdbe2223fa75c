import Foundation
import GNNFormats
import GNNKernels
import GNNModels
import Logging
import Synchronization

/// One loaded version of a model: the N × K raw outputs of a full-graph forward pass, computed once by the
/// same runner as `predict` (`ScoringInputs`, `ForwardPass`), and everything a request needs to look
/// rows up in them. Immutable, so a request keeps the version it started with while a reload swaps in
/// the next.
public final class ServedModel: Sendable {
    public let source: ModelSource
    public let version: ModelVersion
    /// N × classes raw outputs (logits), row-major, rows in the graph file's order.
    let outputs: [Float]
    public let nodeCount: Int
    public let classes: Int
    let numbering: NodeNumbering
    let task: ModelArchitecture.Task
    /// Seconds the forward pass took.
    public let forwardSeconds: Double
    /// When the scores were computed.
    let computedAt: ContinuousClock.Instant

    init(source: ModelSource, version: ModelVersion, outputs: [Float], nodeCount: Int, classes: Int,
         numbering: NodeNumbering, task: ModelArchitecture.Task, forwardSeconds: Double) {
        self.source = source
        self.version = version
        self.outputs = outputs
        self.nodeCount = nodeCount
        self.classes = classes
        self.numbering = numbering
        self.task = task
        self.forwardSeconds = forwardSeconds
        self.computedAt = .now
    }

    /// The raw outputs of the node with input id `id` (0 ≤ id < nodeCount).
    func logits(ofNode id: Int) -> ArraySlice<Float> {
        let row = numbering.row(ofInputID: id)
        return outputs[row * classes..<(row + 1) * classes]
    }

    /// Asks the cache for the raw outputs of the node with input id `id` ahead of `logits(ofNode:)`. A
    /// batch's rows are scattered over an N × K table far larger than the caches, and copying each one
    /// waits for memory; asking some rows ahead overlaps those waits.
    func prefetchLogits(ofNode id: Int) {
        let rowBytes = classes * MemoryLayout<Float>.stride
        outputs.withUnsafeBytes { table in
            CacheLines.prefetch(table.baseAddress! + numbering.row(ofInputID: id) * rowBytes, count: rowBytes)
        }
    }

    /// Opens and checks the files as `predict` does, runs the forward pass with progress in the log, and
    /// returns the new version. Runs on a thread of its own: the pass blocks for as long as it takes,
    /// which must not hold a thread of the concurrency pool that answers requests. A plain thread, like
    /// the main thread `predict`'s pass runs on, not a dispatch queue's worker: started from one, the pass
    /// took 1.26× `predict`'s on average in alternating runs, from a thread 0.99× (noisy runs on a shared
    /// machine: bench/serve/results/2026-11-30.md).
    ///
    /// Cancelled (the server stopping), it throws `CancellationError` at once instead of waiting for a pass
    /// that may take minutes; the thread finishes on its own and its result is dropped.
    static func load(_ source: ModelSource, loadCounter: Int, scoring: ScoringOptions,
                     logger: Logger) async throws -> ServedModel {
        let waiting = Mutex<CheckedContinuation<ServedModel, any Error>?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiting.withLock { $0 = continuation }
                guard !Task.isCancelled else {
                    waiting.withLock { $0.take() }?.resume(throwing: CancellationError())
                    return
                }
                let thread = Thread {
                    let result = Result { try loadNow(source, loadCounter: loadCounter, scoring: scoring, logger: logger) }
                    waiting.withLock { $0.take() }?.resume(with: result)
                }
                thread.name = "gnn-serve.load.\(source.name)"
                thread.start()
            }
        } onCancel: {
            waiting.withLock { $0.take() }?.resume(throwing: CancellationError())
        }
    }

    private static func loadNow(_ source: ModelSource, loadCounter: Int, scoring: ScoringOptions,
                                logger: Logger) throws -> ServedModel {
        let modelDigest = try ModelVersion.digest(ofFileAt: source.modelPath)
        let graphDigest = try ModelVersion.digest(ofFileAt: source.graphPath)
        let inputs = try ScoringInputs.open(model: source.modelPath, graph: source.graphPath,
                                            allowGraphMismatch: scoring.allowGraphMismatch,
                                            allowNonfinite: scoring.allowNonfinite)
        for warning in inputs.warnings { logger.warning("\(warning)", metadata: ["model": "\(source.name)"]) }
        let numbering = try NodeNumbering(inputs.graph)
        logger.info("forward pass started", metadata: ["model": "\(source.name)", "nodes": "\(inputs.graph.nodeCount)",
                                                       "layers": "\(inputs.model.architecture.layers)"])
        let clock = ContinuousClock()
        let start = clock.now
        var reported = 0
        let result = try ForwardPass.run(inputs.model, on: inputs.graph, stateDType: scoring.stateDType) { step, steps in
            // About ten lines per pass, whatever the depth.
            let tenth = steps > 0 ? step * 10 / steps : 10
            if tenth > reported {
                reported = tenth
                logger.info("forward pass \(step) of \(steps)", metadata: ["model": "\(source.name)"])
            }
        }
        let seconds = (clock.now - start).seconds
        if let note = result.stateDTypeNote { logger.warning("\(note)", metadata: ["model": "\(source.name)"]) }
        let version = ModelVersion(loadCounter: loadCounter, modelDigest: modelDigest, graphDigest: graphDigest)
        logger.info("model ready", metadata: ["model": "\(source.name)", "version": "\(version)",
                                              "forward_seconds": "\(String(format: "%.3f", seconds))",
                                              "state_dtype": "\(result.stateDType.rawValue)"])
        return ServedModel(source: source, version: version, outputs: result.outputs, nodeCount: result.rows,
                           classes: result.columns, numbering: numbering, task: inputs.model.architecture.task,
                           forwardSeconds: seconds)
    }
}
