import GNNFormats
import GNNKernels

/// Which models run with a 16-bit state (`predict --state-dtype bf16|f16`), and the refusal for the others,
/// given before any work.
///
/// Built: the reversible and residual families (weight-tied too) with every conv kind and row-wise norms.
/// Not built: DEQ (its solver's history and inner products), GCNII (its x₀ term), graph-mode layer norms
/// where the layers normalise a block of rows at a time (their statistics would be taken over the rounded
/// state), and shards (the halo exchange moves float32 rows).
enum StateDTypeSupport {
    static func check(_ architecture: ModelArchitecture, _ dtype: StateDType, shard: Bool) throws {
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
        if shard {
            throw GNNError("--state-dtype \(dtype.rawValue) is not built for shards (the halo exchange moves float32 rows)", fix: fix)
        }
    }
}
