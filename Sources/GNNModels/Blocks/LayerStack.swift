import GNNFormats

/// The per-layer parts of a deep model, decoded from the model file when their layer runs and dropped
/// after it, so resident memory holds one layer's weights whatever the depth (paper: O(N·D) activations;
/// here also O(D²) weights at a time for untied models).
///
/// Every layer is decoded once when the model is opened, so missing or damaged tensors are reported
/// before any work starts. Weight-tied models have one stored layer, kept decoded.
struct LayerStack<Layer: Sendable>: Sendable {
    /// Layers stored in the file (1 for weight-tied models).
    let storedCount: Int
    private let load: @Sendable (Int) throws -> Layer
    private let tied: Layer?

    init(storedCount: Int, weights: WeightReader, load: @escaping @Sendable (Int) throws -> Layer) throws {
        self.storedCount = storedCount
        self.load = { index in
            defer { weights.releaseDecodedData() }
            return try load(index)
        }
        for index in 1..<max(storedCount, 1) { _ = try self.load(index) }
        tied = try self.load(0)
    }

    /// The weights of layer `index` (of the model's L), decoded now unless tied.
    func layer(_ index: Int) throws -> Layer {
        if storedCount == 1 || index == 0, let tied { return tied }
        return try load(index)
    }
}
