/// Carries a value across a concurrency boundary that the compiler cannot check: pointers into buffers
/// that parallel pieces of work read, or write in disjoint rows.
///
/// The project's one `@unchecked Sendable` escape hatch (as swift-nio's `UnsafeTransfer`), so that every
/// unchecked crossing is spelled the same way and can be found with one search. Wrap the pointer itself,
/// mutable or not (`UnsafeTransfer(x)` for an `UnsafePointer<Float>` input, `UnsafeTransfer(out)` for an
/// `UnsafeMutablePointer<Float>` output): read-only inputs need no `mutating:` conversion.
///
/// ```swift
/// let source = UnsafeTransfer(x), target = UnsafeTransfer(out)
/// KernelThreads.forEachBlock(rows: n) { rows in copy(source.value, target.value, rows) }
/// ```
///
/// The caller guarantees what the compiler cannot: no two pieces write the same memory, and the memory
/// outlives the parallel region.
public struct UnsafeTransfer<Value>: @unchecked Sendable {
    public let value: Value

    @inlinable
    public init(_ value: Value) { self.value = value }
}
