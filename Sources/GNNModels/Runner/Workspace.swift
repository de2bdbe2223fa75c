import GNNFormats
import GNNKernels

/// Scratch buffers for a forward pass, allocated on first request and reused by every later layer, so a
/// pass allocates the same few buffers whether the model has 10 layers or 1000.
final class Workspace: @unchecked Sendable {
    private var buffers: [String: UnsafeMutableBufferPointer<Float>] = [:]
    /// The most floats held at once, for `--stats`.
    private(set) var peakFloatCount = 0

    /// A buffer of at least `count` floats for `purpose`; the same purpose always returns the same memory.
    /// Throws when the system refuses the memory (`ForwardPass` checks the need up front, so this is
    /// the backstop for what the estimate leaves out).
    func buffer(_ purpose: String, count: Int) throws -> UnsafeMutablePointer<Float> {
        if let existing = buffers[purpose], existing.count >= count { return existing.baseAddress! }
        buffers[purpose].map(LargeBuffer.deallocate)
        buffers[purpose] = nil
        let fresh: UnsafeMutableBufferPointer<Float>
        do {
            fresh = try LargeBuffer.allocate(count)
        } catch {
            throw GNNError("out of memory: the system refused \(ByteCount(Int(clamping: error.bytes))) for the forward pass's \(purpose) buffer",
                           fix: "score a smaller graph (split it into shards) or use a machine with more memory")
        }
        buffers[purpose] = fresh
        peakFloatCount = max(peakFloatCount, buffers.values.reduce(0) { $0 + $1.count })
        return fresh.baseAddress!
    }

    /// A buffer of at least `count` values of `Element` for `purpose` (held in float-sized words).
    func buffer<Element>(_ purpose: String, count: Int, of _: Element.Type) throws -> UnsafeMutablePointer<Element> {
        let words = (count * MemoryLayout<Element>.stride + MemoryLayout<Float>.stride - 1) / MemoryLayout<Float>.stride
        return UnsafeMutableRawPointer(try buffer(purpose, count: words)).bindMemory(to: Element.self, capacity: count)
    }

    /// Frees every buffer but `kept`: a model calls this before its head, so that the scratch of its layers
    /// is gone by the time the N × outputs result is written (on a products-sized graph, 1.6 GB of scratch
    /// against a 0.46 GB result).
    func releaseAll(except kept: String) {
        for (purpose, buffer) in buffers where purpose != kept {
            LargeBuffer.deallocate(buffer)
            buffers[purpose] = nil
        }
    }

    deinit { for buffer in buffers.values { LargeBuffer.deallocate(buffer) } }
}
