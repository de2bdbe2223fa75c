import Foundation

/// The options of PyG `GCN2Conv` (GCNII, `formats/model.md` §8.3), each with PyG 2.8's constructor default.
///
/// `alpha` has no default in PyG (a required argument), so it has none here: a file must state it. `layer`
/// is not an option: in the `gcnii` family it is the conv's 1-based position, as PyG's
/// examples/gcn2_cora.py passes `layer=i + 1`. `cached` only saves recomputing the normalisation between
/// calls, which gnn-serve computes once per graph anyway.
public struct GCN2Options: Codable, Sendable, Equatable {
    /// `alpha`: strength α of the initial residual, x ← (1 − α)·Â x + α·x₀. Required.
    public var alpha: Float
    /// `theta`: θ of the identity mapping's strength β = log(θ / layer + 1); `nil` (PyG's `None`) gives β = 1.
    public var theta: Float? = nil
    /// `shared_weights`: one weight `weight1` for both terms; false adds `weight2` for the x₀ term (GCNII*).
    public var sharedWeights: Bool = true
    /// `add_self_loops`: add self loops before normalising.
    public var addSelfLoops: Bool = true
    /// `normalize`: symmetric normalisation D^-1/2 (A + I) D^-1/2 (PyG's `gcn_norm`).
    public var normalize: Bool = true

    /// PyG's defaults with the given `alpha`.
    public init(alpha: Float) {
        self.alpha = alpha
    }

    /// `alpha` must be present; any other absent (or null) key keeps its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let alpha = try c.decodeIfPresent(Float.self, forKey: .alpha) else {
            throw DecodingError.keyNotFound(CodingKeys.alpha, .init(codingPath: c.codingPath,
                debugDescription: "GCN2Conv needs alpha, the strength of the initial residual (PyG has no default for it)"))
        }
        self.alpha = alpha
        theta = try c.decodeIfPresent(Float.self, forKey: .theta)
        sharedWeights = try c.decodeIfPresent(Bool.self, forKey: .sharedWeights) ?? sharedWeights
        addSelfLoops = try c.decodeIfPresent(Bool.self, forKey: .addSelfLoops) ?? addSelfLoops
        normalize = try c.decodeIfPresent(Bool.self, forKey: .normalize) ?? normalize
    }

    /// β of the conv at 1-based position `layer`: PyG's `log(theta / layer + 1)` in double precision, or 1
    /// without `theta`.
    public func beta(layer: Int) -> Double {
        guard let theta else { return 1 }
        return log(Double(theta) / Double(layer) + 1)
    }
}
