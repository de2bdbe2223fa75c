/// The architecture stored in a model file: everything a reader needs to rebuild the forward pass.
///
/// Stored in the file's metadata document as JSON with snake_case keys (`formats/model.md`). Unknown keys
/// are ignored by readers, so later minor versions can add options.
public struct ModelArchitecture: Codable, Sendable, Equatable {
    /// How the layers are connected.
    public enum Family: String, Codable, Sendable, CaseIterable {
        /// Grouped reversible blocks (PyG `GroupAddRev`), one weight set per layer.
        case revgnn
        /// Grouped reversible blocks sharing one weight set per group across all layers.
        case wtRevgnn = "wt-revgnn"
        /// Pre-activation residual blocks (PyG `DeepGCNLayer` `res+`).
        case resgnn
        /// Residual blocks sharing one weight set across all layers.
        case wtResgnn = "wt-resgnn"
        /// A deep-equilibrium GNN solved to a fixed point.
        case deq
        /// GCNII (PyG `GCN2Conv` layers with an initial residual and identity mapping), as PyG's
        /// examples/gcn2_cora.py builds it.
        case gcnii
    }

    /// What the outputs mean.
    public enum Task: String, Codable, Sendable, CaseIterable {
        /// One class per node: softmax over the outputs.
        case multiClass = "multi-class"
        /// Independent binary tasks per node: a sigmoid per output.
        case multiLabel = "multi-label"
        /// Real-valued targets: the outputs as they are.
        case regression
    }

    /// The kinds of normalisation layer (`NormSpec` adds their ε and affine).
    public enum Norm: String, Codable, Sendable, CaseIterable {
        /// `torch.nn.BatchNorm1d` in eval mode (running statistics).
        case batch
        /// `torch.nn.LayerNorm` over each node's channels.
        case layer
        /// PyG `LayerNorm` in `graph` mode (statistics over all nodes and channels).
        case graphLayer = "graph-layer"
        case none
    }

    public var family: Family
    /// Depth L: the number of blocks (1 for DEQ, whose depth is its iteration count).
    public var layers: Int
    /// Channel groups C of reversible blocks (1 for the other families).
    public var groups: Int
    /// Node features the model reads (F of the graph).
    public var inputChannels: Int
    /// Channels of the hidden state.
    public var hiddenChannels: Int
    /// Outputs per node: classes or tasks.
    public var outputChannels: Int
    /// Edge features the model reads (E of the graph); 0 when it reads none.
    public var edgeChannels: Int
    public var task: Task
    /// The norm inside blocks (and, unless `head` says otherwise, the head's).
    public var norm: NormSpec
    /// The activation after each block's norm (and, unless `head` says otherwise, the head's).
    public var activation: ActivationSpec
    public var conv: ConvSpec
    /// Residual families: how layers combine their conv with the state, and what layer 0 is (absent: the
    /// 1.0 meaning, `res+` blocks after layer 0's bare conv).
    public var block: BlockSpec?
    /// Reversible and residual families: the head's norm, activation and Linear (absent: the family's 1.0
    /// head).
    public var head: HeadSpec?
    /// Reversible and residual families: the node encoder's name and an optional edge encoder (absent: the
    /// family's 1.0 node encoder, no edge encoder).
    public var encoder: EncoderSpec?
    /// Fixed-point solver settings, for DEQ models.
    public var solver: SolverSpec?
    /// DEQ models: whether the head is norm → ReLU → linear (tensors `head_norm.*`) rather than a linear
    /// alone. Absent means false.
    public var headNorm: Bool?

    public init(family: Family, layers: Int, groups: Int, inputChannels: Int, hiddenChannels: Int,
                outputChannels: Int, edgeChannels: Int = 0, task: Task, norm: NormSpec, activation: ActivationSpec = .relu,
                conv: ConvSpec, block: BlockSpec? = nil, head: HeadSpec? = nil, encoder: EncoderSpec? = nil,
                solver: SolverSpec? = nil, headNorm: Bool? = nil) {
        self.family = family
        self.layers = layers
        self.groups = groups
        self.inputChannels = inputChannels
        self.hiddenChannels = hiddenChannels
        self.outputChannels = outputChannels
        self.edgeChannels = edgeChannels
        self.task = task
        self.norm = norm
        self.activation = activation
        self.conv = conv
        self.block = block
        self.head = head
        self.encoder = encoder
        self.solver = solver
        self.headNorm = headNorm
    }

    /// Checks the numbers are usable before any tensor is read.
    public func validate() throws {
        let limit = 1 << 24
        for (name, value) in [("layers", layers), ("groups", groups), ("input_channels", inputChannels),
                              ("hidden_channels", hiddenChannels), ("output_channels", outputChannels)] {
            guard value >= 1, value <= limit else {
                throw GNNError("architecture field \(name) is \(value); expected 1 to \(limit)")
            }
        }
        guard edgeChannels >= 0, edgeChannels <= limit else {
            throw GNNError("architecture field edge_channels is \(edgeChannels); expected 0 to \(limit)")
        }
        let reversible = family == .revgnn || family == .wtRevgnn
        if reversible {
            guard groups >= 2, hiddenChannels % groups == 0 else {
                throw GNNError("a reversible model needs at least 2 groups that divide hidden_channels (groups \(groups), hidden \(hiddenChannels))")
            }
        } else if groups != 1 {
            throw GNNError("groups is \(groups) but only reversible families use groups; set it to 1")
        }
        // GCN2Conv reads x₀ besides x, which only the gcnii family provides, and gcnii has no other conv,
        // no norm and reads no edge features: refuse what the model would otherwise silently not compute.
        if (family == .gcnii) != (conv.kind == .gcn2) {
            throw GNNError(family == .gcnii ? "the gcnii family needs conv kind gcn2, not \(conv.kind.rawValue)"
                                            : "conv kind gcn2 is only used by the gcnii family, not \(family.rawValue)")
        }
        if family == .gcnii {
            guard norm.kind == .none else { throw GNNError("the gcnii family has no norm; set norm to \"none\"") }
            guard edgeChannels == 0 else { throw GNNError("the gcnii family reads no edge features; set edge_channels to 0") }
        }
        try validateParts()
        if family == .deq {
            guard let solver else { throw GNNError("a deq model needs solver settings") }
            if let problem = SolverSpec.rangeProblem(tolerance: solver.tolerance, maxIterations: solver.maxIterations,
                                                     memory: solver.memory, damping: solver.damping,
                                                     regularization: solver.regularization, naming: .file) {
                throw GNNError("solver setting \(problem)", fix: "correct the solver object of the architecture")
            }
        }
        // The convs read convEdgeChannels features per edge (lin_edge's shape is checked against that width),
        // so an edge_dim that differs means the description contradicts itself: refuse it rather than pick one.
        if let edgeDim = conv.edgeDim, edgeDim != convEdgeChannels {
            let what = encoder?.edge == nil ? "edge_channels" : "hidden_channels (the edge encoder's output)"
            throw GNNError("conv edge_dim is \(edgeDim) but the architecture's \(what) is \(convEdgeChannels)",
                           fix: "set edge_dim to \(convEdgeChannels), the edge features the convs read, or leave it out")
        }
    }
}

/// Fixed-point solver settings of a DEQ model.
public struct SolverSpec: Codable, Sendable, Equatable {
    public enum Method: String, Codable, Sendable, CaseIterable {
        case picard, anderson, broyden
    }

    /// Values for keys a file leaves out.
    public static let defaultMemory = 5
    public static let defaultDamping: Float = 1
    public static let defaultRegularization: Float = 1e-4
    /// Histories longer than this would cost more memory than they could save iterations.
    public static let memoryLimit = 256
    public static let iterationLimit = 1_000_000

    /// How `rangeProblem` names a value: as the file's key or as `gnn-serve predict`'s option.
    public enum Naming: Sendable {
        case file, commandLine
    }

    /// The first given value outside its range, or nil when all are usable. The same check serves the
    /// file's values (at open, `formats/model.md` §8.5) and `predict`'s overrides.
    public static func rangeProblem(tolerance: Float?, maxIterations: Int?, memory: Int?, damping: Float?,
                                    regularization: Float?, naming: Naming) -> String? {
        let cli = naming == .commandLine
        if let tolerance, !(tolerance.isFinite && tolerance > 0) {
            return "\(cli ? "--tol" : "tolerance") is \(tolerance); it must be a positive number"
        }
        if let maxIterations, !(1...iterationLimit).contains(maxIterations) {
            return "\(cli ? "--max-iter" : "max_iterations") is \(maxIterations); it must be 1 to \(iterationLimit)"
        }
        if let memory, !(1...memoryLimit).contains(memory) {
            return "\(cli ? "--memory" : "memory") is \(memory); it must be 1 to \(memoryLimit)"
        }
        if let damping, !(damping > 0 && damping <= 1) {
            return "\(cli ? "--damping" : "damping") is \(damping); it must be in (0, 1]"
        }
        if let regularization, !(regularization.isFinite && regularization >= 0) {
            return "regularization is \(regularization); it must be a number ≥ 0"
        }
        return nil
    }

    /// Which residual the tolerance bounds.
    public enum StopMode: String, Codable, Sendable, CaseIterable {
        /// ‖f(z) − z‖ / (‖f(z)‖ + ε).
        case relative
        /// ‖f(z) − z‖.
        case absolute
    }

    /// Where the solve starts.
    public enum InitialState: String, Codable, Sendable, CaseIterable {
        /// Z = 0.
        case zeros
        /// Z = X, the encoded node features.
        case input
    }

    public var method: Method
    /// Stop when the residual (`stopMode`) is at most this.
    public var tolerance: Float
    public var maxIterations: Int
    /// Anderson and Broyden: history length m.
    public var memory: Int?
    /// Picard and Anderson: damping τ.
    public var damping: Float?
    /// Anderson: Tikhonov regularisation λ.
    public var regularization: Float?
    /// Which residual `tolerance` bounds (absent: relative).
    public var stopMode: StopMode?
    /// The starting point of the solve (absent: zeros).
    public var initialState: InitialState?

    public init(method: Method, tolerance: Float, maxIterations: Int, memory: Int? = nil,
                damping: Float? = nil, regularization: Float? = nil, stopMode: StopMode? = nil,
                initialState: InitialState? = nil) {
        self.method = method
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.memory = memory
        self.damping = damping
        self.regularization = regularization
        self.stopMode = stopMode
        self.initialState = initialState
    }
}
