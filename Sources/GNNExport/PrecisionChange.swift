import GNNFormats

/// The largest change storing weights in a narrower float type made to any of them.
public struct PrecisionChange: Sendable, Equatable {
    /// max |stored − value|.
    public private(set) var largestAbsolute: Float = 0
    /// max |stored − value| / |value| over non-zero values.
    public private(set) var largestRelative: Float = 0

    public init() {}

    /// Widens the figures by what storing `values` as `dtype` does to them (nothing for f32).
    public mutating func note(_ values: [Float], storedAs dtype: DType) {
        guard dtype != .float32, !values.isEmpty else { return }
        var stored = [UInt8](repeating: 0, count: values.count * dtype.size)
        var back = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { source in
            stored.withUnsafeMutableBytes { FloatConversion.fromFloat(source.baseAddress!, count: values.count, to: dtype, into: $0.baseAddress!) }
        }
        stored.withUnsafeBytes { raw in
            back.withUnsafeMutableBufferPointer { FloatConversion.toFloat(raw.baseAddress!, dtype: dtype, count: values.count, into: $0.baseAddress!) }
        }
        for (value, rounded) in zip(values, back) {
            let change = abs(rounded - value)
            largestAbsolute = max(largestAbsolute, change)
            if value != 0 { largestRelative = max(largestRelative, change / abs(value)) }
        }
    }
}
