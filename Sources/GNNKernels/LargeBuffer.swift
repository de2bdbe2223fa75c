import Foundation

/// Float arrays of N rows (states, scratch) on transparent huge pages where the system allows them.
///
/// The aggregations gather source rows at random; on 4 KiB pages most of those gathers also miss the TLB.
/// Measured, RevSAGE-28 on the arxiv-shaped graph in METIS order (2 threads, median of 5 alternating runs):
/// forward 3.90 s on 4 KiB pages, 3.78 s on 2 MiB pages. Where THP is off, this is plain memory.
public enum LargeBuffer {
    /// Page size of a transparent huge page on x86-64 and most arm64 kernels.
    static let hugePage = 2 << 20

    /// An uninitialised buffer of `count` floats; release it with `deallocate(_:)`.
    public static func allocate(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        guard bytes >= hugePage else { return .allocate(capacity: max(count, 1)) }
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, hugePage, bytes) == 0, let raw else { return .allocate(capacity: count) }
        _ = madvise(raw, bytes, MADV_HUGEPAGE)
        return UnsafeMutableBufferPointer(start: raw.bindMemory(to: Float.self, capacity: count), count: count)
    }

    /// Frees a buffer from `allocate(_:)`.
    public static func deallocate(_ buffer: UnsafeMutableBufferPointer<Float>) {
        // Both paths of `allocate` end in malloc-family memory, which free() releases.
        free(buffer.baseAddress)
    }
}
