import GNNFormats
import GNNKernels

/// DEQ-GNN (paper eq. 11–15): node states Z* that solve Z* = f(Z*, X, A, U), then a head.
///
///     X    = encoder(features)
///     Z'   = conv1(Z)
///     Z''  = norm1(Z' + X)
///     Z''' = conv2(ReLU(Z''))            (dropout is the identity at inference)
///     f(Z) = norm2(ReLU(Z''' + Z'))
///     out  = head(Z*), or head(ReLU(head_norm(Z*))) when the architecture sets `head_norm`
///
/// Tensor names: `encoder.*`, `conv1.*`, `norm1.*`, `conv2.*`, `norm2.*`, `head.*`, `head_norm.*`
/// (`DEQGNN` in scripts/fixtures/reference_models.py). One evaluation of f costs two convolutions and
/// needs three N × D buffers (X, Z', Z'') besides the convs' scratch; the solver adds its own copies of the
/// state (`SolverSettings.stateCopies`), none of which grow with the number of iterations.
struct EquilibriumModel: Sendable {
    let architecture: ModelArchitecture
    /// The settings stored in the file (those the model was trained with).
    let settings: SolverSettings
    let encoder: Linear
    let conv1: any GraphConvolution
    let norm1: Norm
    let conv2: any GraphConvolution
    let norm2: Norm
    let headNorm: Norm?
    let head: Linear

    init(_ architecture: ModelArchitecture, _ weights: WeightReader) throws {
        self.architecture = architecture
        guard let solver = architecture.solver else { throw GNNError("a deq model needs solver settings") }
        settings = SolverSettings(solver)
        let hidden = architecture.hiddenChannels, edges = architecture.edgeChannels
        encoder = try Linear(weights, "encoder", in: architecture.inputChannels, out: hidden)
        conv1 = try makeConvolution(architecture.conv, weights, "conv1", channels: hidden, edgeChannels: edges)
        norm1 = try Norm(architecture.norm, weights, "norm1", channels: hidden)
        conv2 = try makeConvolution(architecture.conv, weights, "conv2", channels: hidden, edgeChannels: edges)
        norm2 = try Norm(architecture.norm, weights, "norm2", channels: hidden)
        headNorm = architecture.headNorm == true ? try Norm(architecture.norm, weights, "head_norm", channels: hidden) : nil
        head = try Linear(weights, "head", in: hidden, out: architecture.outputChannels)
    }

    /// Solves for Z* with `settings` and writes the head's outputs for every node into `out`.
    func forward(_ input: FloatMatrix, graph: GraphContext, workspace: Workspace, settings: SolverSettings,
                 progress: (Int) -> Void, into out: UnsafeMutablePointer<Float>) throws -> SolverReport {
        let (state, report) = try solve(input, graph: graph, workspace: workspace, settings: settings, progress: progress)
        let n = graph.nodeCount
        workspace.releaseAll(except: "deq.state")
        if let headNorm {
            RowBlocks.normActivationLinearFromGroups(state, rows: n, groups: 1, groupWidth: architecture.hiddenChannels,
                                                     norm: headNorm, activation: .relu, head, sums: graph.nodeSums, into: out)
        } else {
            head.apply(state, rows: n, into: out)
        }
        return report
    }

    /// Encodes the features and solves for Z* (N × D, in the workspace's state buffer).
    func solve(_ input: FloatMatrix, graph: GraphContext, workspace: Workspace, settings: SolverSettings,
               progress: (Int) -> Void) throws -> (state: UnsafeMutablePointer<Float>, report: SolverReport) {
        let count = graph.nodeCount * architecture.hiddenChannels
        let encoded = try workspace.buffer("deq.input", count: count)
        RowBlocks.linearIntoGroups(input, encoder, groups: 1, into: encoded, read: graph.releaseNodeFeatures(rows:))
        graph.releaseNodeFeatures()
        let state = try workspace.buffer("deq.state", count: count)
        switch settings.initialState {
        case .zeros: state.initialize(repeating: 0, count: count)
        case .input: copy(encoded, into: state, count: count)
        }
        let problem = FixedPointProblem(count: count, rowLength: architecture.hiddenChannels, sums: graph.nodeSums) { z, image in
            try evaluate(z, input: encoded, graph: graph, workspace: workspace, into: image)
        }
        let report = try settings.solver.solve(problem, state: state, workspace: workspace, progress: progress)
        return (state, report)
    }

    /// f(Z) for all nodes, into `out` (which must not overlap `z`).
    func evaluate(_ z: UnsafePointer<Float>, input: UnsafePointer<Float>, graph: GraphContext, workspace: Workspace,
                  into out: UnsafeMutablePointer<Float>) throws {
        let n = graph.nodeCount, hidden = architecture.hiddenChannels
        let first = try workspace.buffer("deq.conv1", count: n * hidden)
        // On a shard each conv's input needs its halo rows, after the owned ones, filled by their owners: the
        // solver's iterate has the owned rows only, so it is copied into a buffer that has room for them.
        var gathered = z
        if graph.isShard {
            let rows = try workspace.buffer("deq.gathered", count: graph.sourceRowCount * hidden)
            rows.update(from: z, count: n * hidden)
            graph.exchangeHalo(rows, columns: hidden)
            gathered = UnsafePointer(rows)
        }
        try conv1.forward(gathered, graph: graph, workspace: workspace, into: first)
        let mixed = try workspace.buffer("deq.mixed", count: graph.sourceRowCount * hidden)
        addNormRelu(first, input, rows: n, channels: hidden, norm: norm1, normFirst: true, into: mixed)
        graph.exchangeHalo(mixed, columns: hidden)
        try conv2.forward(mixed, graph: graph, workspace: workspace, into: out)
        addNormRelu(out, first, rows: n, channels: hidden, norm: norm2, normFirst: false, into: out)
    }
}

/// out = relu(norm(a + b)) (`normFirst`) or norm(relu(a + b)), a block of rows at a time; `out` may be `a`.
private func addNormRelu(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, rows: Int, channels: Int, norm: Norm,
                         normFirst: Bool, into out: UnsafeMutablePointer<Float>) {
    KernelThreads.forEachBlock(rows: rows) { block in
        let start = block.lowerBound * channels, values = block.count * channels
        for i in start..<start + values { out[i] = a[i] + b[i] }
        if !normFirst { for i in start..<start + values { out[i] = max(out[i], 0) } }
        norm.applySerial(out + start, rows: block.count, channels: channels)
        if normFirst { for i in start..<start + values { out[i] = max(out[i], 0) } }
    }
}
