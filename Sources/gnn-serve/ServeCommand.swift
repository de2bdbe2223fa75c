import ArgumentParser
import CommandLineSupport
import Foundation
import GNNFormats
import GNNKernels
import GNNServer
import Logging

/// `gnn-serve serve`: the Open Inference Protocol server (GNNServer) with its options.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve node scores over the Open Inference Protocol (KServe v2 REST).",
        discussion: """
            At start, and at each reload, the full-graph forward pass runs (progress in the log) and the N x K \
            scores are kept; the model is ready once it is done, and requests are lookups into them. Routes: \
            GET /v2/health/live, /v2/health/ready, /v2, /v2/models/NAME[/versions/V][/ready]; POST \
            /v2/models/NAME[/versions/V]/infer with the input node_ids (INT64, shape [B]) and the outputs \
            scores (FP32 [B, K]; parameter scores: logits or probs), predictions (INT64 [B]) and top_k \
            (INT64 [B, k]; parameter top_k), as JSON or with the binary tensor data extension; POST /v2/repository/index and \
            /v2/repository/models/NAME/load and /unload; GET /metrics (Prometheus). Every response about a \
            model names its version: load counter, model file digest, graph file digest.

            A load (the repository route, or SIGHUP for every model) reads the files again and runs the pass \
            in the background; requests keep being answered from the old scores until the new ones replace \
            them, and a load that fails leaves the old version serving and reports the error. SIGTERM and \
            SIGINT stop accepting connections, let requests in flight finish, and exit 0.

            --repository DIR serves one model per sub-folder, named after it: the files its config.json \
            names ({"model": "m.gnnz", "graph": "g.bin"}), else its only *.gnnz and only *.bin.
            """)

    @Option(help: "The model file (*.gnnz); give GRAPH too.")
    var model: String?

    @Argument(help: "The graph file (*.bin) the model scores.")
    var graph: String?

    @Option(help: "A folder with one sub-folder per model (instead of --model and GRAPH).")
    var repository: String?

    @Option(help: "The model's name in URLs (default: the model file's name without its extension).")
    var name: String?

    @Option(help: "Address to listen on; 0.0.0.0 or :: to accept connections from other machines.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port, named in the log).")
    var port = 8000

    @Option(help: "Most node ids in one inference request; larger batches get 413.")
    var maxBatch = ServerLimits().maxBatch

    @Option(help: "Most bytes in one request body; larger bodies get 413.")
    var maxBody = ServerLimits().maxBody

    @Option(help: "Seconds a connection may stay idle, or a client may take between request parts, before it is closed.")
    var idleTimeout = ServerLimits().idleTimeout

    @Option(help: "Seconds a client may take to send one whole request (from connecting, or from the end of the last response it was owed; never counted while a response is computed) before its connection is closed: a client trickling a body is cut off here, since each chunk restarts the idle timeout.")
    var requestTimeout = ServerLimits().requestTimeout

    @Option(help: "A file whose first line is a token every route but /v2/health/* requires as 'Authorization: Bearer TOKEN'.")
    var token: String?

    @Option(help: "Worker threads of the forward pass (default: all cores). Scores are identical for any value.")
    var threads: Int?

    @Option(help: "Least severe log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    @Flag(help: "Serve a graph that differs from the model's recorded training graph, with a warning in the log.")
    var allowGraphMismatch = false

    @Flag(help: "Serve a graph with NaN or infinite input features, with a warning in the log.")
    var allowNonfinite = false

    @Option(name: .customLong("state-dtype"),
            help: "How each forward pass stores the node state: f32, bf16 or f16, as predict --state-dtype (default: each model file's recommendation where it applies, else f32). A model that cannot use it fails to load, with the reason in the log.")
    var stateDType: StateDType?

    func validate() throws {
        if repository != nil, model != nil || graph != nil || name != nil {
            throw ValidationError("give --repository DIR, or --model FILE GRAPH, not both")
        }
        if repository == nil, model == nil || graph == nil {
            throw ValidationError("give --model FILE and GRAPH, or --repository DIR")
        }
        if let name, !ModelSource.isValidName(name) {
            throw ValidationError("--name \(name) is not a model name: letters, digits, '.', '-' and '_', not starting with '.'")
        }
        if !(0...65_535).contains(port) { throw ValidationError("--port must be from 0 to 65535") }
        if maxBatch < 1 { throw ValidationError("--max-batch must be at least 1") }
        if maxBody < 1 { throw ValidationError("--max-body must be at least 1") }
        for (option, seconds) in [("--idle-timeout", idleTimeout), ("--request-timeout", requestTimeout)]
        where !(seconds > 0 && seconds <= ServerLimits.longestTimeout) {
            throw ValidationError("\(option) must be more than 0 and at most \(Int(ServerLimits.longestTimeout)) seconds, not \(seconds)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("--log-level \(logLevel) is not a level") }
    }

    func run() throws {
        // The server handles SIGTERM, SIGINT and SIGHUP itself, and writes no partial output files.
        InterruptCleanup.handOver()
        KernelThreads.configure(threads: threads ?? 0)
        let models: ModelRegistry.Sources
        if let repository {
            models = .repository(repository)
        } else {
            let modelPath = model!
            let modelName = name ?? ((modelPath as NSString).lastPathComponent as NSString).deletingPathExtension
            models = .single(ModelSource(name: modelName, modelPath: modelPath, graphPath: graph!))
        }
        var configuration = ServerConfiguration(
            models: models, host: host, port: port,
            limits: ServerLimits(maxBatch: maxBatch, maxBody: maxBody, idleTimeout: idleTimeout, requestTimeout: requestTimeout),
            token: try token.map(ServerConfiguration.readToken))
        configuration.scoring.allowGraphMismatch = allowGraphMismatch
        configuration.scoring.allowNonfinite = allowNonfinite
        configuration.scoring.stateDType = stateDType
        let level = Logger.Level(rawValue: logLevel)!
        LoggingSystem.bootstrap { label in DeferredMetadataLogHandler(label: label, level: level) }
        try InferenceServer(configuration: configuration, logger: Logger(label: "gnn-serve")).runBlocking()
    }
}
