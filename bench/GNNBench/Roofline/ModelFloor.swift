import GNNFormats

/// One kind of work a model's forward pass repeats: what each call must move and compute at least.
public struct FloorTerm: Sendable {
    public let name: String
    /// Calls per forward pass.
    public let calls: Int
    /// Bytes one call must move at least: every array it reads or writes, once.
    public let bytes: Double
    /// For an aggregation: the source rows it gathers (one per edge) and their width in bytes; the bytes of
    /// one pass over the input rows are part of `bytes`.
    public let gather: (rows: Int, rowBytes: Int)?
    /// Flops of the dense products of one call, and their shape (rows × K → D) for the rate they run at.
    public let flops: Double
    public let shape: (rows: Int, inDim: Int, outDim: Int)?

    /// `shape` as "rows x K -> D", the key its measured rate goes under.
    public var shapeName: String? { shape.map { "\($0.rows) x \($0.inDim) -> \($0.outDim)" } }
}

/// The least work one forward pass of a model must do on a graph, term by term, for the roofline floor of
/// bench/README ("Roofline floors"): each term's time is its bytes over the triad bandwidth or its flops
/// over the best dense rate measured at its shape, whichever is longer.
///
/// The counts follow the engine's passes (`ReversibleModel`, `ResidualModel`, `EquilibriumModel`): an input
/// linear; per convolution its pre-norm and activation, its aggregation and dense products, and the state
/// update; the head. Only the SAGE and GCN convolutions are modelled (the configs the floors are asked for).
public enum ModelFloor {
    /// The terms of one forward pass of `architecture` on a graph of `nodes` nodes and `edges` edges.
    /// `evaluations`: for a DEQ model, the evaluations of f its solver made (`predict --stats` prints them).
    public static func terms(_ architecture: ModelArchitecture, nodes n: Int, edges m: Int,
                             evaluations: Int?) throws -> [FloorTerm] {
        let hidden = architecture.hiddenChannels, float = 4
        /// Bytes of `count` N × `width` float32 arrays.
        func arrays(_ count: Int, width: Int) -> Double { Double(count * n * width * float) }
        var terms = [FloorTerm(name: "input linear \(architecture.inputChannels) -> \(hidden)", calls: 1,
                               bytes: arrays(1, width: architecture.inputChannels) + arrays(1, width: hidden), gather: nil,
                               flops: 2 * Double(n * architecture.inputChannels * hidden),
                               shape: (n, architecture.inputChannels, hidden))]

        /// One convolution of `width` channels, `calls` times.
        func convolution(width: Int, calls: Int) throws -> [FloorTerm] {
            let adjacency = Double(8 * (n + 1) + 4 * m)
            switch architecture.conv {
            case .sage(let options):
                let products = options.rootWeight ? 2 : 1
                return [
                    FloorTerm(name: "SAGE \(options.aggr) aggregation, \(width) channels", calls: calls,
                              bytes: adjacency + arrays(2, width: width), gather: (m, width * float), flops: 0, shape: nil),
                    FloorTerm(name: "SAGE products (\(products) x \(width) -> \(width))", calls: calls,
                              bytes: arrays(products + 1, width: width), gather: nil,
                              flops: 2 * Double(products * n * width * width), shape: (n, width, width)),
                ]
            case .gcn:
                // The product first, then the weighted sum; one coefficient per node (deg^-1/2) at least.
                return [
                    FloorTerm(name: "GCN product (\(width) -> \(width))", calls: calls, bytes: arrays(2, width: width),
                              gather: nil, flops: 2 * Double(n * width * width), shape: (n, width, width)),
                    FloorTerm(name: "GCN weighted aggregation, \(width) channels", calls: calls,
                              bytes: adjacency + Double(4 * n) + arrays(2, width: width), gather: (m, width * float),
                              flops: 0, shape: nil),
                ]
            default:
                throw GNNError("no floor model for \(architecture.conv.kind.rawValue) convolutions (only sage and gcn)")
            }
        }

        switch architecture.family {
        case .revgnn, .wtRevgnn, .resgnn, .wtResgnn:
            let reversible = architecture.family == .revgnn || architecture.family == .wtRevgnn
            let width = reversible ? hidden / architecture.groups : hidden
            let calls = architecture.layers * (reversible ? architecture.groups : 1)
            terms.append(FloorTerm(name: "norm + activation, \(width) channels", calls: calls,
                                   bytes: arrays(2, width: width), gather: nil, flops: 0, shape: nil))
            terms += try convolution(width: width, calls: calls)
            terms.append(FloorTerm(name: "state update x += F, \(width) channels", calls: calls,
                                   bytes: arrays(3, width: width), gather: nil, flops: 0, shape: nil))
        case .deq:
            guard let evaluations, evaluations > 0 else {
                throw GNNError("a DEQ model's floor needs the solver's evaluations of f",
                               fix: "pass --evaluations K, K from `gnn-serve predict --stats` on this graph")
            }
            terms += try convolution(width: hidden, calls: 2 * evaluations)
            terms.append(FloorTerm(name: "add + norm + ReLU, \(hidden) channels", calls: 2 * evaluations,
                                   bytes: arrays(3, width: hidden), gather: nil, flops: 0, shape: nil))
            // Anderson (AndersonSolver): a step with n stored pairs mixes n images and n residuals into the
            // iterate (2n + 1 arrays), forms the new residual (3) and its Gram row against the n − 1 others
            // (n); the first step is a damped Picard step (3).
            guard let solver = architecture.solver, solver.method == .anderson else {
                throw GNNError("no floor model for this DEQ model's solver (only anderson)")
            }
            let memory = solver.memory ?? SolverSpec.defaultMemory
            var solverArrays = 3
            if evaluations > 1 {
                for step in 2...evaluations { let used = min(step - 1, memory); solverArrays += 3 * used + 4 }
            }
            terms.append(FloorTerm(name: "solver steps (Anderson, memory \(memory)), \(evaluations) in all", calls: 1,
                                   bytes: arrays(solverArrays, width: hidden), gather: nil, flops: 0, shape: nil))
        case .gcnii:
            throw GNNError("no floor model for the gcnii family")
        }
        if architecture.family != .deq || architecture.headNorm == true {
            terms.append(FloorTerm(name: "head norm + activation, \(hidden) channels", calls: 1,
                                   bytes: arrays(2, width: hidden), gather: nil, flops: 0, shape: nil))
        }
        terms.append(FloorTerm(name: "head linear \(hidden) -> \(architecture.outputChannels)", calls: 1,
                               bytes: arrays(1, width: hidden) + arrays(1, width: architecture.outputChannels), gather: nil,
                               flops: 2 * Double(n * hidden * architecture.outputChannels),
                               shape: (n, hidden, architecture.outputChannels)))
        return terms
    }
}
