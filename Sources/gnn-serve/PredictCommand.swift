import ArgumentParser
import Foundation
import GNNFormats
import GNNKernels
import GNNModels
import CommandLineSupport

extension PredictionWriter.Format: ExpressibleByArgument {}
extension PredictionWriter.ScoreKind: ExpressibleByArgument {}
extension SplitName: ExpressibleByArgument {}
extension SolverSpec.Method: ExpressibleByArgument {}

/// `gnn-serve predict`: score nodes of a graph with a model.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Score the nodes of a graph with a model, in memory that does not grow with depth.",
        discussion: """
            The forward pass runs over the whole graph (a deep GNN's receptive field is the graph), then the \
            requested nodes are written in the order requested (all nodes: in id order). Node ids are the \
            input's, also for a graph packed with --reorder metis. Reversible models update one N x D state in \
            place; weight-tied models reuse one set of weights; residual models keep one state and one block \
            output. Peak memory: the graph's arrays as mapped, plus about 3 x N x hidden floats.

            DEQ models are solved to a fixed point Z* = f(Z*) with the solver settings stored in the model \
            (see 'gnn-serve info'); --solver, --tol, --max-iter, --memory and --damping override them. Each \
            iteration evaluates f once, at the cost of two graph convolutions. Memory, in copies of the \
            N x hidden state, does not grow with the iterations: picard \(EquilibriumMemory.solverCopiesText(.picard)) (O(N*D)), \
            anderson \(EquilibriumMemory.solverCopiesText(.anderson)) and broyden \(EquilibriumMemory.solverCopiesText(.broyden)) (O(m*N*D), m = \
            --memory), plus \(EquilibriumMemory.functionCopies) for f itself and the convolution's scratch. A solve that \
            stops above the tolerance returns its lowest-residual iterate with a warning on stderr, or fails \
            with --strict.

            Output: --format npy writes a float32 matrix (one row per requested node, raw logits unless \
            --scores probs); npz writes node_ids (int64, the input's ids) and that matrix as scores \
            (numpy.load reads it); csv and jsonl write the node id, the predicted class and the top-k classes with \
            probabilities (multi-class), or every task's score (multi-label). The format defaults to the \
            --output file's extension (.csv, .npy, .npz, .jsonl; another extension is refused unless --format \
            is given), else csv; without --output, text goes to stdout.

            With --split and labels in the graph, accuracy (multi-class) or mean ROC-AUC over tasks \
            (multi-label) on that split is printed on stderr. The graph's structure is checked before the \
            pass (row offsets, every index below N), in time linear in its size. NaN or infinite input \
            features are refused (naming the first nodes, by input id) unless --allow-nonfinite: one such \
            value turns the outputs of its whole neighbourhood NaN.

            A model that records the graph it was trained on (self loops, symmetry: see 'gnn-serve info') \
            checks the graph against it. When only the self loops differ, they are added (or removed) in a \
            temporary copy of the graph, as 'pack --self-loops' does, with a warning naming that command; \
            any other difference is refused, printing the 'gnn-serve pack' command that fixes it, unless \
            --allow-graph-mismatch (which runs on the graph as it is). Graphs packed before graph format 1.2 \
            do not record these facts; they are measured on the fly.
            """)

    @Option(help: "The model file (*.gnnz).")
    var model: String

    @Argument(help: "The graph file (*.bin), as written by 'gnn-serve pack'; under mpirun -np K, the shards as NAME.shard-%d-of-K.bin (pack --shards K).")
    var graph: String

    @Option(help: "Nodes to score: a range a..b (b excluded; a.. to the last node, ..b from 0), a comma list, or a file with one id per line. Default: all nodes.")
    var nodes: String?

    @Option(help: "Score the nodes of this split of the graph (train, valid, test) and report its metric.")
    var split: SplitName?

    @Option(name: .shortAndLong, help: "Write predictions to this file instead of stdout.")
    var output: String?

    @Option(help: "Output format: csv, npy, npz or jsonl (default: from the --output extension, else csv).")
    var format: PredictionWriter.Format?

    @Option(help: "Scores in npy output and multi-label text output: logits (raw outputs) or probs.")
    var scores: PredictionWriter.ScoreKind = .logits

    // Numeric options take the next argument even when it starts with "-": a negative value then reaches
    // validate() and is refused for what it is, not read as a missing value.
    @Option(parsing: .unconditional, help: "Classes listed per node in csv/jsonl output (multi-class).")
    var topK: Int = 1

    @Option(parsing: .unconditional, help: "Worker threads (default: all cores). Results are identical for any value.")
    var threads: Int?

    @Option(name: .customLong("state-dtype"),
            help: "How the node state is stored: f32, bf16 or f16 (reversible and residual models). 16-bit states store the state and the rows aggregations gather in half the bytes; products and sums stay float32. DEQ, GCNII and graph-mode norms are refused; shards run in 16 bits too (the halo exchange moves the rows as stored). Default: the model file's recommendation (gnn-export --state-dtype) where it applies, else f32. Tolerances: README, \"16-bit node state\".")
    var stateDType: StateDType?

    @Option(help: "DEQ models: the fixed-point method, picard, anderson or broyden (default: the model's).")
    var solver: SolverSpec.Method?

    @Option(parsing: .unconditional, help: "DEQ models: stop when the residual (relative unless the model says absolute) is at most this.")
    var tol: Float?

    @Option(name: .customLong("max-iter"), parsing: .unconditional, help: "DEQ models: most iterations, that is evaluations of f.")
    var maxIter: Int?

    @Option(parsing: .unconditional, help: "DEQ models: history length m of anderson and broyden (memory grows as 2m copies of the state).")
    var memory: Int?

    @Option(parsing: .unconditional, help: "DEQ models: damping of picard and anderson, in (0, 1]: the weight of f(z) in the next iterate.")
    var damping: Float?

    @Flag(help: "DEQ models: fail (status 1, no output written) when the solve does not reach the tolerance.")
    var strict = false

    @Flag(help: "Print load time, forward time, peak memory and workspace size on stderr; for DEQ models also the iterations, the final residual and the residual of every iteration.")
    var stats = false

    @Flag(help: "Run even when the graph differs from the graph the model records it was trained on (self loops, symmetry); a warning is printed instead.")
    var allowGraphMismatch = false

    @Flag(help: "Run even when node or edge features hold NaN or infinite values; a warning is printed instead.")
    var allowNonfinite = false

    @Flag(help: "Do not show progress.")
    var quiet = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if topK < 1 { throw ValidationError("--top-k must be at least 1") }
        if nodes != nil && split != nil { throw ValidationError("give --nodes or --split, not both") }
        let format: PredictionWriter.Format
        do {
            format = try resolvedFormat()
        } catch let error as GNNError {
            throw ValidationError(error.description)
        }
        if output == nil && format.isBinary { throw ValidationError("--format \(format.rawValue) needs --output FILE") }
        if let problem = SolverSpec.rangeProblem(tolerance: tol, maxIterations: maxIter, memory: memory, damping: damping,
                                                     regularization: nil, naming: .commandLine) {
            throw ValidationError(problem)
        }
    }

    /// The model's solver settings with the command line's overrides; nil for models without a solver.
    func solverSettings(for network: GNNModel) throws -> SolverSettings? {
        guard var settings = network.solverSettings else {
            if solver != nil || tol != nil || maxIter != nil || memory != nil || damping != nil || strict {
                throw GNNError("--solver, --tol, --max-iter, --memory, --damping and --strict apply only to deq models, and this is a \(network.architecture.family.rawValue) model",
                               in: model, fix: "leave them out")
            }
            return nil
        }
        if let solver { settings.method = solver }
        if let tol { settings.tolerance = tol }
        if let maxIter { settings.maxIterations = maxIter }
        if let memory { settings.memory = memory }
        if let damping { settings.damping = damping }
        return settings
    }

    /// --format, else the --output extension's format, else csv; an unknown extension is refused.
    func resolvedFormat() throws -> PredictionWriter.Format {
        if let format { return format }
        return try output.flatMap(PredictionWriter.Format.named(byExtensionOf:)) ?? .csv
    }

    func run() throws {
        if namesShards { return try runSharded() }
        KernelThreads.configure(threads: threads ?? 0)
        let clock = ContinuousClock()
        let loadStart = clock.now
        var solverSettings: SolverSettings?
        let inputs = try ScoringInputs.open(model: model, graph: graph, allowGraphMismatch: allowGraphMismatch,
                                            allowNonfinite: allowNonfinite) { solverSettings = try self.solverSettings(for: $0) }
        let (modelFile, network, graphFile) = (inputs.modelFile, inputs.model, inputs.graph)
        for warning in inputs.warnings { CommandLineOutput.writeError("gnn-serve: warning: " + warning) }
        let selected = try NodeSelection.select(in: graphFile, nodes: nodes, split: split)
        let loadTime = clock.now - loadStart

        let progress = TerminalProgress.make(quiet: quiet)
        let forwardStart = clock.now
        let unit = solverSettings == nil ? "layer" : "iteration"
        let result = try ForwardPass.run(network, on: graphFile, solver: solverSettings, stateDType: stateDType) { step, steps in
            progress?.report("\(unit) \(step) of \(steps)", Double(step) / Double(steps))
        }
        let forwardTime = clock.now - forwardStart
        progress?.finish()
        if let note = result.stateDTypeNote { CommandLineOutput.writeError("gnn-serve: note: " + note) }
        if let report = result.solverReport, !report.converged {
            if strict { throw GNNError(report.shortfall, in: model, fix: "raise --max-iter, loosen --tol or try another --solver") }
            CommandLineOutput.writeError("gnn-serve: warning: " + report.shortfall + "; the outputs use its lowest-residual iterate")
        }

        let writer = PredictionWriter(format: try resolvedFormat(), scores: scores, topK: topK,
                                      task: network.architecture.task, classNames: modelFile.metadata.classNames)
        let bytes = try writer.render(outputs: result.outputs, columns: result.columns, rows: selected.rows, ids: selected.ids)
        if let output {
            let file = try AtomicOutputFile(path: output)
            try file.write(bytes, at: 0)
            try file.commit()
        } else {
            FileHandle.standardOutput.write(Data(bytes))
        }

        if let split { reportMetric(result, graphFile, split: split, nodes: selected.rows, task: network.architecture.task) }
        if stats {
            CommandLineOutput.writeError(String(format: "load %.3f s, forward %.3f s", loadTime.seconds, forwardTime.seconds)
                + ", peak RSS \(ByteCount(peakResidentBytes())), workspace \(ByteCount(result.workspaceBytes)), \(KernelThreads.count) threads"
                + ", state \(result.stateDType.rawValue)")
            if let report = result.solverReport {
                CommandLineOutput.writeError(report.summary)
                CommandLineOutput.writeError(report.history)
            }
        }
    }

    private func reportMetric(_ result: ForwardPass.Result, _ graph: GraphFile, split: SplitName, nodes: [Int],
                              task: ModelArchitecture.Task) {
        if task == .multiClass, let labels = graph.labels,
           let accuracy = Metrics.accuracy(outputs: result.outputs, columns: result.columns, labels: labels, nodes: nodes) {
            CommandLineOutput.writeError("\(split.rawValue) accuracy " + String(format: "%.4f", accuracy.value) + " (\(accuracy.count) nodes)")
        } else if task == .multiLabel, let targets = graph.targets,
                  let auc = Metrics.meanROCAUC(outputs: result.outputs, columns: result.columns, targets: targets, nodes: nodes) {
            CommandLineOutput.writeError("\(split.rawValue) mean ROC-AUC " + String(format: "%.4f", auc.value) + " (\(auc.tasks) tasks)")
        } else {
            CommandLineOutput.writeError("\(split.rawValue): the graph has no labels for this model's task; no metric")
        }
    }
}
