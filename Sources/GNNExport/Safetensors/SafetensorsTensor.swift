/// One entry of a safetensors header: a named tensor and where its bytes lie.
public struct SafetensorsTensor: Sendable, Equatable {
    public let name: String
    public let dtype: SafetensorsDType
    /// Dimensions, row-major; `[]` for a scalar.
    public let shape: [Int]
    /// The header's `data_offsets`: bytes of the data area (which starts right after the header).
    public let dataOffsets: Range<Int>

    /// Elements in the tensor (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }

    public init(name: String, dtype: SafetensorsDType, shape: [Int], dataOffsets: Range<Int>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.dataOffsets = dataOffsets
    }
}
