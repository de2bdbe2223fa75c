import GNNFormats
import GNNKernels

/// PyG 2.8 `GCN2Conv` (GCNII, Chen et al. 2020) at 1-based position `layer` of its model:
///
///     h   = (1 − α)·Â x + α·x₀
///     out = (1 − β)·h + β·(h · W₁)                     β = log(θ / layer + 1), or 1 without θ
///
/// with Â GCN's propagation (`gcnPropagate`: `gcn_norm` with self loops, or the plain sum without
/// `normalize`) and `weight1` W₁ [C, C] multiplied as stored (`x @ weight1`). With `shared_weights` false
/// (GCNII*) the two terms are transformed apart, as PyG's source does:
/// out = [(1 − β)·a + β·(a · W₁)] + [(1 − β)·b + β·(b · W₂)] with a = (1 − α)·Â x, b = α·x₀.
///
/// It takes x₀ besides x, so it is not a `GraphConvolution`; the `gcnii` family (`GCNIIModel`) runs it.
///
/// Memory: the aggregate is written into `out`, and each block of rows is finished there (mix and
/// products) as soon as the aggregation completes it, while it is in cache, with two block-sized
/// temporaries; nothing of size N × C besides x, x₀ and out, and nothing per edge.
struct GCN2Convolution: Sendable {
    let channels: Int
    let weight1: [Float]
    /// W₂ of the x₀ term, nil with shared weights.
    let weight2: [Float]?
    /// 1 − α and α, rounded to float32 as torch's in-place multiplications by Python floats round them.
    let aggregateScale: Float
    let initialScale: Float
    /// β and 1 − β, the `alpha` and `beta` of PyG's `addmm`.
    let productScale: Float
    let identityScale: Float
    let addSelfLoops: Bool
    let normalize: Bool

    init(_ options: GCN2Options, _ weights: WeightReader, _ prefix: String, channels: Int, layer: Int) throws {
        let beta = options.beta(layer: layer)
        guard options.alpha.isFinite, beta.isFinite else {
            throw GNNError("GCN2Conv at layer \(layer) has alpha \(options.alpha) and beta \(beta) (theta \(options.theta.map { "\($0)" } ?? "None")); both must be finite numbers",
                           fix: "state a finite alpha, and a theta above -1 or none")
        }
        self.channels = channels
        weight1 = try weights.tensor("\(prefix).weight1", shape: [channels, channels])
        weight2 = options.sharedWeights ? nil : try weights.tensor("\(prefix).weight2", shape: [channels, channels])
        aggregateScale = Float(1 - Double(options.alpha))
        initialScale = options.alpha
        productScale = Float(beta)
        identityScale = Float(1 - beta)
        addSelfLoops = options.addSelfLoops
        normalize = options.normalize
    }

    /// out = conv(x, x₀) for all nodes; `finished(rows)` is called once per block of rows as soon as those
    /// rows of `out` are final, on the thread that finished them (the model applies its ReLU there).
    /// `out` must overlap neither x nor x₀.
    func forward(_ x: UnsafePointer<Float>, initial x0: UnsafePointer<Float>, graph: GraphContext,
                 into out: UnsafeMutablePointer<Float>, finished: ((Range<Int>) -> Void)? = nil) {
        graph.gcnPropagate(x, channels: channels, normalize: normalize, addSelfLoops: addSelfLoops, into: out) { rows in
            combine(rows, initial: x0, into: out)
            finished?(rows)
        }
    }

    /// Turns the aggregate in `rows` of `out` into the conv's output, in PyG's order of operations.
    private func combine(_ rows: Range<Int>, initial x0: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let count = rows.count * channels
        let block = out + rows.lowerBound * channels, initial = x0 + rows.lowerBound * channels
        // addmm's input and product operand are the same rows in PyG; sgemm needs them apart.
        let operand = UnsafeMutablePointer<Float>.allocate(capacity: 2 * count)
        defer { operand.deallocate() }
        let initialTerm = operand + count
        if weight2 == nil {
            for i in 0..<count { block[i] = block[i] * aggregateScale + initialScale * initial[i] }
        } else {
            for i in 0..<count { block[i] *= aggregateScale }
        }
        operand.update(from: block, count: count)
        addProduct(operand, rows: rows.count, weight: weight1, into: block)
        guard let weight2 else { return }
        for i in 0..<count { operand[i] = initialScale * initial[i] }
        initialTerm.update(from: operand, count: count)
        addProduct(operand, rows: rows.count, weight: weight2, into: initialTerm)
        for i in 0..<count { block[i] += initialTerm[i] }
    }

    /// target = (1 − β)·target + β·(x · weight), where target holds x on entry.
    private func addProduct(_ x: UnsafePointer<Float>, rows: Int, weight: [Float], into target: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { w in
            Dense.addProductSerial(x, rows: rows, channels: channels, weight: w.baseAddress!, scale: productScale,
                                   keep: identityScale, into: target)
        }
    }
}
