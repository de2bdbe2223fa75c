import GNNFormats
import GNNKernels

/// Which models run with a 16-bit state (`predict --state-dtype bf16|f16`), and the refusal for the others,
/// given before any work.
///
/// Built: the reversible and residual families (weight-tied too) with every conv kind and row-wise norms.
/// Not built: DEQ (its solver's history and inner products), GCNII (its x₀ term), graph-mode layer norms
/// where the layers normalise a block of rows at a time (their statistics would be taken over the rounded
/// state). Shards run in every dtype built: the halo exchange moves rows as they are stored.
public enum StateDTypeSupport {
    /// The storage a pass uses and why: `requested` if given (refused where not built), else the model's
    /// recommendation where it is built for this run, else float32. `note` says when a recommendation was
    /// set aside (a file that recommends what its model cannot use).
    public static func resolve(requested: StateDType?, model: GNNModel) throws -> (dtype: StateDType, note: String?) {
        if let requested {
            try check(model.architecture, requested)
            return (requested, nil)
        }
        guard let recommended = model.recommendedStateDType else { return (.f32, nil) }
        do {
            try check(model.architecture, recommended)
            return (recommended, nil)
        } catch let error as GNNError {
            return (.f32, "the model file recommends state dtype \(recommended.rawValue), set aside: \(error.problem); running in f32")
        }
    }

    /// The warning for a file that recommends a state dtype this reader does not know (a later format's),
    /// which runs in float32 unless told otherwise; nil when there is nothing to say.
    public static func unknownRecommendation(_ file: ModelFile, _ model: GNNModel) -> String? {
        guard let stored = file.metadata.stateDtype, model.recommendedStateDType == nil else { return nil }
        return "\(file.path) recommends state dtype \"\(stored.prefix(32))\", which this gnn-serve does not know (it knows \(StateDType.allCases.map(\.rawValue).joined(separator: ", "))); running in f32 unless --state-dtype says otherwise"
    }

    /// Refuses `dtype` where it is not built for `architecture`.
    public static func check(_ architecture: ModelArchitecture, _ dtype: StateDType) throws {
        guard dtype != .f32 else { return }
        let fix = "use --state-dtype f32 (the default)"
        switch architecture.family {
        case .revgnn, .wtRevgnn, .resgnn, .wtResgnn: break
        case .deq, .gcnii:
            throw GNNError("--state-dtype \(dtype.rawValue) is not built for the \(architecture.family.rawValue) family; it runs reversible and residual models (revgnn, wt-revgnn, resgnn, wt-resgnn)",
                           fix: fix)
        }
        let headNorm = switch architecture.headNormChoice {
        case .layer0: architecture.norm
        case .own(let spec): spec
        }
        // Post-activation blocks normalise the conv's whole float32 output, so a graph-mode norm works there.
        let blockNormsByRows = architecture.isResidual ? architecture.resolvedBlock.kind == .resPlus : true
        if headNorm.kind == .graphLayer || (blockNormsByRows && architecture.norm.kind == .graphLayer) {
            throw GNNError("--state-dtype \(dtype.rawValue) is not built for models with a graph-mode layer norm (norm \"graph-layer\") before their convs or in their head",
                           fix: fix)
        }
    }
}
