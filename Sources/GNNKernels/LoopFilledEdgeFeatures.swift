/// Edge features as the attention kernels (GAT, GATv2) read them, one row at a time, with the features of the
/// self loop they add: the mean of the row's other incoming edges' features, as PyG's
/// `add_self_loops(fill_value="mean")` gives them (0 for a row without other edges).
///
/// Holds the f32 values apart from `EdgeFeatureRows`, so that the common f32 case touches no reference
/// count per edge.
struct LoopFilledEdgeFeatures {
    /// Features per edge (0 without edge features).
    let columns: Int
    /// The features where they are stored as f32, else nil.
    private let values: UnsafePointer<Float>?
    private let rows: EdgeFeatureRows?

    init(_ rows: EdgeFeatureRows?) {
        columns = rows?.columns ?? 0
        values = rows?.values
        self.rows = rows
    }

    /// Zeroes `loopSum` (`columns` floats) before a row.
    @inline(__always)
    func startRow(_ loopSum: UnsafeMutablePointer<Float>) {
        if columns > 0 { loopSum.initialize(repeating: 0, count: columns) }
    }

    /// Edge e's features (converted into `scratch`, `columns` floats, when not stored as f32), also added to
    /// `loopSum`.
    @inline(__always)
    func read(_ e: Int, scratch: UnsafeMutablePointer<Float>, addingTo loopSum: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let features = values.map { $0 + e * columns } ?? rows!.read(e, scratch: scratch)
        for k in 0..<columns { loopSum[k] += features[k] }
        return features
    }

    /// Turns the sum of a row's `count` edges' features into their mean, the added loop's features.
    @inline(__always)
    func finishLoop(_ loopSum: UnsafeMutablePointer<Float>, count: Int) {
        if count > 0 { for k in 0..<columns { loopSum[k] /= Float(count) } }
    }
}
