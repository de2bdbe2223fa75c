/// Scratch buffers for a forward pass, allocated on first request and reused by every later layer, so a
/// pass allocates the same few buffers whether the model has 10 layers or 1000.
final class Workspace: @unchecked Sendable {
    private var buffers: [String: UnsafeMutableBufferPointer<Float>] = [:]

    /// A buffer of at least `count` floats for `purpose`; the same purpose always returns the same memory.
    func buffer(_ purpose: String, count: Int) -> UnsafeMutablePointer<Float> {
        if let existing = buffers[purpose], existing.count >= count { return existing.baseAddress! }
        buffers[purpose]?.deallocate()
        let fresh = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(count, 1))
        buffers[purpose] = fresh
        return fresh.baseAddress!
    }

    /// Floats held, for `--stats`.
    var floatCount: Int { buffers.values.reduce(0) { $0 + $1.count } }

    deinit { for buffer in buffers.values { buffer.deallocate() } }
}
