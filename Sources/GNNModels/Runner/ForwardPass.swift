import GNNFormats
import GNNKernels

/// Runs a model on every node of a graph.
public enum ForwardPass {
    /// The outputs of a pass and what it cost.
    public struct Result: Sendable {
        /// N × outputChannels raw outputs (logits), row-major.
        public var outputs: [Float]
        public var rows: Int
        public var columns: Int
        /// Bytes of activation workspace the pass used (independent of depth and of iteration count).
        public var workspaceBytes: Int
        /// DEQ models: what the fixed-point solve did.
        public var solverReport: SolverReport?
        /// How the node state was stored.
        public var stateDType: StateDType
        /// Why the model's recommended state dtype was not used, if it was not (for stderr or the log).
        public var stateDTypeNote: String?
    }

    /// Checks that `model` can run on `graph`: feature count and edge features.
    public static func checkCompatible(_ model: GNNModel, _ graph: GraphFile) throws {
        let architecture = model.architecture
        guard graph.featureCount == architecture.inputChannels else {
            throw GNNError("the model reads \(architecture.inputChannels) features per node but the graph has \(graph.featureCount)",
                           in: graph.path, fix: "pack the graph with the features the model was trained on")
        }
        if architecture.edgeChannels > 0 {
            guard graph.edgeFeatureCount > 0 else {
                throw GNNError("the model reads \(architecture.edgeChannels) edge features but the graph has none",
                               in: graph.path, fix: "pack the graph with its edge features (edge_attr)")
            }
            guard graph.edgeFeatureCount == architecture.edgeChannels else {
                throw GNNError("the model reads \(architecture.edgeChannels) edge features but the graph has \(graph.edgeFeatureCount)",
                               in: graph.path)
            }
        }
    }

    /// Bytes a pass over `nodes` nodes needs at least, before it starts: the N × outputs result and the
    /// N × hidden states every model keeps (the state, a normalised copy and a scratch buffer; for DEQ
    /// models the solver's and f's copies, `EquilibriumMemory.copies`). A convolution's own scratch comes on
    /// top, so this is a lower bound: what it refuses can never run.
    /// With a 16-bit `stateDType` the state and the normalised copy take 2 bytes a value, the conv's
    /// float32 output 4 (`NarrowBlockChain`).
    public static func memoryNeed(_ model: GNNModel, nodes: Int, solver: SolverSettings?, stateDType: StateDType = .f32) -> UInt64 {
        let architecture = model.architecture
        let copies = solver.map { EquilibriumMemory.copies($0.method, memory: $0.memory) } ?? minimumStateCopies
        let float = UInt64(MemoryLayout<Float>.stride)
        let stateBytes = stateDType == .f32 || solver != nil
            ? UInt64(copies) * float
            : UInt64(2 * stateDType.bytes) + float
        let perNode = stateBytes * UInt64(architecture.hiddenChannels) + UInt64(architecture.outputChannels) * float
        let (bytes, overflow) = UInt64(nodes).multipliedReportingOverflow(by: perNode)
        return overflow ? .max : bytes
    }

    /// N × hidden buffers every non-DEQ model holds during its layers: the state, its normalised copy and
    /// the block's scratch (`BlockChain`).
    static let minimumStateCopies = 3

    /// Runs `model` on all nodes of `graph`. `progress(step, steps)` is called after each layer, or for DEQ
    /// models after each evaluation of f (steps: the iteration limit). `solver` replaces a DEQ model's
    /// stored solver settings. For a shard, `halo` refreshes its halo rows before each convolution and
    /// `merge` merges its sums over nodes with the other shards' (`NodeSums`): every shard of the set runs
    /// the same pass at the same time, and its owned rows then equal a whole-graph pass's, bit for bit.
    ///
    /// `stateDType` stores the state of reversible and residual models in 16 bits (`StateDTypeSupport`
    /// refuses the others before any work); nil: the model file's recommendation where it applies, else
    /// float32 (`StateDTypeSupport.resolve`). A float16 state that overflows is reported, not returned.
    public static func run(_ model: GNNModel, on graph: GraphFile, solver: SolverSettings? = nil, stateDType requested: StateDType? = nil,
                           halo: (any HaloExchange)? = nil, merge: (any ShardSumMerge)? = nil,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> Result {
        try checkCompatible(model, graph)
        let (stateDType, stateDTypeNote) = try StateDTypeSupport.resolve(requested: requested, model: model)
        var shard: (layout: ShardLayout, merge: any ShardSumMerge)?
        if graph.isShard {
            guard halo != nil, let merge, let layout = try ShardLayout(graph) else {
                throw GNNError("is one shard of a graph", in: graph.path, fix: "run every shard of the set with mpirun -np K")
            }
            shard = (layout, merge)
        }
        let settings = model.body.equilibriumSettings.map { solver ?? $0 }
        // For a shard, the need of its owned rows: still a lower bound, since only the buffers a conv gathers
        // hold its halo rows too (`GraphContext.sourceRowCount`).
        let rows = GraphContext.computedRows(graph, shard?.layout)
        try MemoryBudget.check(memoryNeed(model, nodes: rows, solver: settings, stateDType: stateDType),
                               for: "scoring \(rows) nodes with this model",
                               fix: settings == nil
                                   ? "score a smaller graph (pack --shards K and run them under mpirun), or use a machine with more memory"
                                   : "use --solver picard or a smaller --memory, score a smaller graph, or use a machine with more memory")
        let context = GraphContext(graph, halo: halo, shard: shard)
        let workspace = Workspace()
        // A shard's input layers read its owned rows only; the halo's rows come from their owners.
        let features = graph.nodeFeatures.prefix(rows: rows)
        let columns = model.architecture.outputChannels
        let layers = model.architecture.layers
        var report: SolverReport?
        // Every model's head writes all N × columns outputs; left uninitialised until then, their pages are not
        // resident while the layers run.
        let outputs = try [Float](unsafeUninitializedCapacity: rows * columns) { out, initialized in
            switch model.body {
            case .reversible(let body):
                try body.forward(features, graph: context, workspace: workspace, stateDType: stateDType,
                             progress: { progress($0, layers) }, into: out.baseAddress!)
            case .residual(let body):
                try body.forward(features, graph: context, workspace: workspace, stateDType: stateDType,
                             progress: { progress($0, layers) }, into: out.baseAddress!)
            case .gcnii(let body):
                try body.forward(features, graph: context, workspace: workspace,
                             progress: { progress($0, layers) }, into: out.baseAddress!)
            case .equilibrium(let body):
                let settings = settings ?? body.settings
                report = try body.forward(features, graph: context, workspace: workspace, settings: settings,
                                          progress: { progress($0, settings.maxIterations) }, into: out.baseAddress!)
            }
            initialized = out.count
        }
        if stateDType == .f16, let index = outputs.firstIndex(where: { !$0.isFinite }) {
            throw GNNError("the float16 state overflowed: node \(index / columns)'s output \(index % columns) is \(outputs[index]) (float16 holds magnitudes up to 65,504)\(requested == nil ? ", in the f16 state the model file recommends" : "")",
                           fix: "use --state-dtype bf16 (float32's range) or f32")
        }
        return Result(outputs: outputs, rows: rows, columns: columns, workspaceBytes: workspace.peakFloatCount * 4,
                      solverReport: report, stateDType: stateDType, stateDTypeNote: stateDTypeNote)
    }
}
