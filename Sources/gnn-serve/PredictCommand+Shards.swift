import Foundation
import GNNDistributed
import GNNFormats
import GNNKernels
import GNNModels
import CommandLineSupport

// `mpirun -np K gnn-serve predict --model M NAME.shard-%d-of-K.bin`: every rank runs the same forward pass
// on its shard, exchanging halo rows before each convolution; each rank writes its rows of an .npy output
// in place, and for other outputs rank 0 gathers and writes them, as a single-process run on the whole
// graph would.
extension PredictCommand {
    /// Whether GRAPH names a set of shards, one per rank.
    var namesShards: Bool { graph.contains("%d") }

    func runSharded() throws {
        let world = MPIWorld.shared
        do {
            try runSharded(world)
        } catch let stop as MPIWorld.Stop {
            if let problem = stop.problem { CommandLineOutput.writeError("gnn-serve: error: " + problem) }
            world.finish()
            Foundation.exit(1)
        }
        world.finish()
    }

    private func runSharded(_ world: MPIWorld) throws {
        let clock = ContinuousClock()
        let loadStart = clock.now
        KernelThreads.configure(threads: threads ?? 0)
        // Checks every rank makes alike, before any rank starts work.
        var loaded: (ModelFile, GNNModel)?
        var settings: SolverSettings?
        try world.agree(failure(world) {
            let modelFile = try ModelFile(path: model)
            let network = try GNNModel(modelFile)
            settings = try solverSettings(for: network)
            loaded = (modelFile, network)
        })
        let (modelFile, network) = loaded!
        let (graphFile, layout) = try ShardedRun.open(graph, model: network, world: world)
        let shardPath = ShardedRun.path(graph, rank: world.rank)
        var warnings: [String] = []
        let format = try resolvedFormat()
        // npy: every rank writes its rows in place; other formats: rank 0 gathers the outputs and writes them.
        let inPlace = format == .npy && self.output != nil && split == nil && nodes == nil
        var requested: [Int]?
        var output: AtomicOutputFile?
        try world.agree(failure(world) {
            let contract = try GraphContractCheck.check(modelFile.metadata.graph, graph: graphFile, graphPath: shardPath,
                                                        modelPath: model, allow: allowGraphMismatch)
            if world.rank == 0 { warnings += contract.warnings }
            let structure = try graphFile.verifyStructure(featureRows: layout.ownedCount)
            if let warning = try NonFiniteInputCheck.check(structure, graph: graphFile, graphPath: shardPath,
                                                             readsEdgeFeatures: network.architecture.edgeChannels > 0,
                                                             allow: allowNonfinite) {
                warnings.append("rank \(world.rank): " + warning)
            }
            // Input ids of the whole graph, as one process reads them (every rank parses the same spec).
            requested = try nodes.map { try NodeSelection.parse($0, nodeCount: layout.wholeNodeCount) }
            if world.rank == 0, !inPlace, let path = self.output { output = try AtomicOutputFile(path: path) }
        })
        let writer = PredictionWriter(format: format, scores: scores, topK: topK,
                                      task: network.architecture.task, classNames: modelFile.metadata.classNames)
        let columns = network.architecture.outputChannels
        let npy = try self.output.flatMap { path in
            try inPlace ? ShardedNpyOutput(path: path, header: writer.npyHeader(rows: layout.wholeNodeCount, columns: columns),
                                           rows: layout.wholeNodeCount, rowBytes: columns * 4, world: world) : nil
        }
        for warning in warnings { CommandLineOutput.writeError("gnn-serve: warning: " + warning) }
        let loadTime = clock.now - loadStart

        let exchange = NeighbourHaloExchange(layout, world: world)
        let progress = world.rank == 0 ? TerminalProgress.make(quiet: quiet) : nil
        let forwardStart = clock.now
        let result: ForwardPass.Result
        do {
            result = try ForwardPass.run(network, on: graphFile, solver: settings, stateDType: stateDType, halo: exchange,
                                         merge: AllGatherSumMerge(world: world)) { step, steps in
                progress?.report("\(settings == nil ? "layer" : "iteration") \(step) of \(steps)", Double(step) / Double(steps))
            }
        } catch {
            // The other ranks wait in an exchange: only ending the job stops them.
            CommandLineOutput.writeError("gnn-serve: error: rank \(world.rank): \(error)")
            world.abort()
        }
        let forwardTime = clock.now - forwardStart
        progress?.finish()
        if world.rank == 0, let note = result.stateDTypeNote { CommandLineOutput.writeError("gnn-serve: note: " + note) }
        // Every rank took the same iterations (NodeSums): rank 0 speaks for all.
        if let report = result.solverReport, !report.converged {
            try world.agree(strict ? "rank \(world.rank): \(model): \(report.shortfall); raise --max-iter, loosen --tol or try another --solver" : nil)
            if world.rank == 0 {
                CommandLineOutput.writeError("gnn-serve: warning: " + report.shortfall + "; the outputs use its lowest-residual iterate")
            }
        }
        // The nodes written: all, each in the slot of its input id; the split's, each in its place in the
        // whole graph's split; or the requested ones, each in its place in the request (repeats included) —
        // as single-process predict orders them.
        let rows: [Int], slots: [Int], total: Int
        if let requested {
            var ownedRow: [Int: Int] = [:]
            for row in layout.ownedRows { ownedRow[Int(layout.nodeIDs[row])] = row }
            let mine = requested.indices.filter { ownedRow[requested[$0]] != nil }
            rows = mine.map { ownedRow[requested[$0]]! }
            slots = mine
            total = requested.count
        } else if let split {
            let list = graphFile.split(split), positions = ShardLayout.splitPositions(graphFile, split)
            rows = (0..<(list?.count ?? 0)).map { list![$0] }
            slots = positions.map { $0.map { Int($0) } } ?? []
            total = Int(world.allGather(UInt64(rows.count)).reduce(0, +))
        } else {
            rows = layout.ownedRows.sorted { layout.nodeIDs[$0] < layout.nodeIDs[$1] }
            slots = rows.map { Int(layout.nodeIDs[$0]) }
            total = layout.wholeNodeCount
        }
        if let npy {
            try npy.write(ids: slots, rowBytes: columns * 4) { positions in
                writer.npyRows(outputs: result.outputs, columns: columns, rows: rows[positions])
            }
        }
        let selected = npy == nil ? rows.flatMap { result.outputs[$0 * columns..<($0 + 1) * columns] } : []
        let gathered = npy == nil ? ShardedRun.gather(selected, width: columns, slots: slots, total: total, zero: 0, world: world) : nil
        let ids = npy == nil ? ShardedRun.gather(rows.map { Int64(layout.nodeIDs[$0]) }, width: 1, slots: slots, total: total,
                                                 zero: 0, world: world) : nil
        let metric = split.flatMap { metricLine($0, graphFile, rows: rows, slots: slots, total: total, outputs: gathered,
                                                columns: columns, task: network.architecture.task, world: world) }
        if stats {
            let exchangeSeconds = exchange.seconds.reduce(0, +)
            CommandLineOutput.writeError("rank \(world.rank): " + String(format: "load %.3f s, forward %.3f s (exchange %.3f s in %d calls, compute %.3f s)",
                                                                       loadTime.seconds, forwardTime.seconds, exchangeSeconds,
                                                                       exchange.seconds.count, forwardTime.seconds - exchangeSeconds)
                + ", sent \(ByteCount(exchange.sentBytes.reduce(0, +))) (\(ByteCount(exchange.sentBytes.first ?? 0)) per exchange)"
                + ", \(layout.ownedCount) owned + \(layout.haloCount) halo rows, peak RSS \(ByteCount(peakResidentBytes())), workspace \(ByteCount(result.workspaceBytes))")
            if world.rank == 0, let report = result.solverReport {
                CommandLineOutput.writeError(report.summary)
                CommandLineOutput.writeError(report.history)
            }
        }
        guard let outputs = gathered, let ids else { return }
        let bytes = try writer.render(outputs: outputs, columns: columns, rows: Array(0..<total), ids: ids.map { Int($0) })
        if let output {
            try output.write(bytes, at: 0)
            try output.commit()
        } else {
            FileHandle.standardOutput.write(Data(bytes))
        }
        if let metric { CommandLineOutput.writeError(metric) }
    }

    /// The split's metric line, on rank 0 (nil elsewhere): labels or targets of the split's nodes gathered
    /// in split order beside the gathered outputs, and measured as one process measures them.
    private func metricLine(_ split: SplitName, _ graph: GraphFile, rows: [Int], slots: [Int], total: Int, outputs: [Float]?,
                            columns: Int, task: ModelArchitecture.Task, world: MPIWorld) -> String? {
        if task == .multiClass, let labels = graph.labels {
            let all = ShardedRun.gather(rows.map { labels[$0] }, width: 1, slots: slots, total: total, zero: 0, world: world)
            guard let outputs, let all else { return nil }
            let line = all.withUnsafeBufferPointer { labels in
                Metrics.accuracy(outputs: outputs, columns: columns, labels: labels, nodes: Array(0..<total)).map {
                    "\(split.rawValue) accuracy " + String(format: "%.4f", $0.value) + " (\($0.count) nodes)"
                }
            }
            if let line { return line }
        } else if task == .multiLabel, let targets = graph.targets {
            var values = [Float](repeating: 0, count: rows.count * targets.columns)
            for (k, row) in rows.enumerated() {
                values.withUnsafeMutableBufferPointer { targets.copyRows(row..<row + 1, into: $0.baseAddress! + k * targets.columns) }
            }
            let all = ShardedRun.gather(values, width: targets.columns, slots: slots, total: total, zero: 0, world: world)
            guard let outputs, let all else { return nil }
            let line = all.withUnsafeBytes { bytes in
                let matrix = FloatMatrix(dtype: .float32, rows: total, columns: targets.columns, base: bytes.baseAddress)
                return Metrics.meanROCAUC(outputs: outputs, columns: columns, targets: matrix, nodes: Array(0..<total)).map {
                    "\(split.rawValue) mean ROC-AUC " + String(format: "%.4f", $0.value) + " (\($0.tasks) tasks)"
                }
            }
            if let line { return line }
        }
        return world.rank == 0 ? "\(split.rawValue): the graph has no labels for this model's task; no metric" : nil
    }

    /// The problem `body` throws, as the line this rank would print; nil when it succeeds.
    private func failure(_ world: MPIWorld, _ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return "rank \(world.rank): \(error)"
        }
    }
}
