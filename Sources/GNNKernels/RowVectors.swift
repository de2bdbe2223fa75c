/// Eight-wide vector loads and stores of float rows, the building block of the aggregation kernels.
///
/// Rows are read with unaligned loads (a group's rows are 4-byte aligned only); with
/// `GNN_TARGET_CPU=native` on an AVX2 machine each is one instruction.
enum RowVectors {
    typealias Vector = SIMD8<Float>
    static let width = 8

    @inline(__always)
    static func load(_ row: UnsafePointer<Float>, _ offset: Int) -> Vector {
        UnsafeRawPointer(row + offset).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ value: Vector, _ row: UnsafeMutablePointer<Float>, _ offset: Int) {
        UnsafeMutableRawPointer(row + offset).storeBytes(of: value, as: Vector.self)
    }
}
