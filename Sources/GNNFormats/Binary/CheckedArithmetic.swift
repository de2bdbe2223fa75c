/// Size arithmetic that reports overflow as a `GNNError` instead of trapping.
///
/// Every size read from a file goes through these before anything is allocated or mapped.
public enum Checked {
    /// `a * b`, or an error naming `what` when the product does not fit in 64 bits.
    public static func multiply(_ a: UInt64, _ b: UInt64, _ what: @autoclosure () -> String) throws -> UInt64 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        if overflow { throw GNNError("\(what()) overflows 64 bits (\(a) × \(b))") }
        return product
    }

    /// `a + b`, or an error naming `what` when the sum does not fit in 64 bits.
    public static func add(_ a: UInt64, _ b: UInt64, _ what: @autoclosure () -> String) throws -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        if overflow { throw GNNError("\(what()) overflows 64 bits (\(a) + \(b))") }
        return sum
    }

    /// The product of `dims`, checked.
    public static func product(_ dims: [UInt64], _ what: @autoclosure () -> String) throws -> UInt64 {
        try dims.reduce(1) { try multiply($0, $1, what()) }
    }

    /// `value` as an `Int`, or an error when it does not fit this machine's address space.
    public static func int(_ value: UInt64, _ what: @autoclosure () -> String) throws -> Int {
        guard value <= UInt64(Int.max) else { throw GNNError("\(what()) (\(value)) is too large for this machine") }
        return Int(value)
    }

    /// `value` rounded up to a multiple of `alignment` (a power of two), checked.
    public static func alignUp(_ value: UInt64, to alignment: UInt64) throws -> UInt64 {
        try add(value, alignment - 1, "aligned offset") & ~(alignment - 1)
    }
}
