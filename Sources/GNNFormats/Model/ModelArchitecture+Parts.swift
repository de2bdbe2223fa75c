/// The architecture's parts (norms, activations, block, head, encoders) as a reader builds them: each
/// absent part resolved to its family's 1.0 meaning, and every combination the engine cannot run refused
/// with the part named and the choices that work.
extension ModelArchitecture {
    /// `revgnn` and `wt-revgnn`.
    public var isReversible: Bool { family == .revgnn || family == .wtRevgnn }
    /// `resgnn` and `wt-resgnn`.
    public var isResidual: Bool { family == .resgnn || family == .wtResgnn }

    /// The residual layers' block (`res+` after layer 0's bare conv when the file does not say).
    public var resolvedBlock: BlockSpec { block ?? BlockSpec() }

    /// The head's norm: the blocks' kind under `norm` for reversible models, layer 0's for residual ones,
    /// when the file does not say.
    public var headNormChoice: HeadSpec.Norm { head?.norm ?? (isResidual ? .layer0 : .own(norm)) }

    /// The head's activation (the blocks' when the file does not say).
    public var headActivation: ActivationSpec { head?.activation ?? activation }

    /// The node encoder's tensor prefix.
    public var nodeEncoderName: String { encoder?.node ?? (isResidual ? "node_encoder" : "lin1") }

    /// The head Linear's tensor prefix.
    public var headLinearName: String { head?.linear ?? (isResidual ? "lin" : "lin2") }

    /// Edge features each conv reads: the edge encoder's output (hidden_channels) when there is one, else
    /// the graph's edge_channels.
    public var convEdgeChannels: Int { encoder?.edge == nil ? edgeChannels : hiddenChannels }

    /// Refuses parts that are out of range or that this family cannot run, naming the part.
    func validateParts() throws {
        if let problem = norm.problem { throw GNNError("norm: \(problem)") }
        if let problem = activation.problem { throw GNNError("activation: \(problem)") }
        if case .own(let spec)? = head?.norm, let problem = spec.problem { throw GNNError("head.norm: \(problem)") }
        if let problem = head?.activation?.problem { throw GNNError("head.activation: \(problem)") }
        if case .layer0? = head?.norm, !isResidual {
            throw GNNError("head.norm \"layer0\" reuses layers.0.norm of the resgnn and wt-resgnn families; a \(family.rawValue) model has none",
                           fix: "give the head its own norm (a kind or an object), or \"none\"")
        }
        if block != nil && !isResidual {
            throw GNNError("block describes the layers of the resgnn and wt-resgnn families (PyG DeepGCNLayer); a \(family.rawValue) model's blocks are fixed",
                           fix: "remove \"block\" (reversible blocks are norm → activation → conv, as in examples/rev_gnn.py)")
        }
        if family == .deq || family == .gcnii {
            // Their heads, encoders and activations are fixed (formats/model.md §8.7, §8.8).
            if head != nil || encoder != nil {
                throw GNNError("head and encoder describe revgnn and resgnn models; a \(family.rawValue) model's are fixed",
                               fix: "remove \"head\" and \"encoder\"" + (family == .deq ? "; use head_norm for the deq head's norm" : ""))
            }
            if activation.kind != .relu {
                throw GNNError("activation \(activation.kind.rawValue) is not supported by the \(family.rawValue) family (relu only)")
            }
        }
        for (part, name) in [("encoder.node", encoder?.node), ("encoder.edge", encoder?.edge), ("head.linear", head?.linear)] {
            if let name, name.isEmpty { throw GNNError("\(part) is empty", fix: "give the Linear's state_dict prefix, or leave the key out") }
        }
        if encoder?.edge != nil {
            guard isResidual else {
                throw GNNError("encoder.edge is supported by the resgnn and wt-resgnn families only",
                               fix: "remove encoder.edge; reversible blocks would split hidden-width edge features between groups")
            }
            guard edgeChannels > 0 else {
                throw GNNError("encoder.edge needs edge features, but edge_channels is 0", fix: "set edge_channels or remove encoder.edge")
            }
            guard [.gen, .gat, .gatv2].contains(conv.kind) else {
                throw GNNError("encoder.edge feeds convs that read edge features (gen, gat, gatv2); the conv is \(conv.kind.rawValue)",
                               fix: "remove encoder.edge, or use conv kind gen, gat or gatv2")
            }
        }
    }
}
