/// A row-major matrix of numbers that can be read as f32 rows: node or edge features, targets.
///
/// Inputs keep their own storage (a NumPy array in place, parsed CSV values); the packer pulls rows in
/// chunks, so no second full-size copy is made.
public protocol FloatRowSource {
    var rows: Int { get }
    var columns: Int { get }
    /// Writes rows `range` as f32 into `out`, `columns` values per row.
    func copyRows(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>) throws
}

/// A matrix held as an array of f32 values.
public struct FloatMatrixValues: FloatRowSource, Sendable {
    public var values: [Float]
    public let rows: Int
    public let columns: Int

    public init(values: [Float], rows: Int, columns: Int) {
        precondition(values.count == rows * columns)
        self.values = values
        self.rows = rows
        self.columns = columns
    }

    public func copyRows(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>) throws {
        values.withUnsafeBufferPointer {
            out.update(from: $0.baseAddress! + range.lowerBound * columns, count: range.count * columns)
        }
    }
}
