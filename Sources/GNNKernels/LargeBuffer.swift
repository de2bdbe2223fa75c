import Foundation

/// Float arrays of N rows (states, scratch) on transparent huge pages where the system allows them.
///
/// The aggregations gather source rows at random over arrays of tens of MB, far beyond what 4 KiB pages
/// let the TLB cover. Measured, RevSAGE-28 on the arxiv-shaped graph in METIS order (2 threads, median of
/// 5 alternating runs): forward 3.90 s on 4 KiB pages, 3.78 s on 2 MiB pages. Where THP is off, this is
/// plain memory.
public enum LargeBuffer {
    /// Page size of a transparent huge page on x86-64 and most arm64 kernels.
    static let hugePage = 2 << 20

    /// An uninitialised buffer of `count` floats, aligned to a huge page when it spans one (else to a
    /// cache line); release it with `deallocate(_:)`. Throws `OutOfMemory` when the system refuses it.
    public static func allocate(_ count: Int) throws(OutOfMemory) -> UnsafeMutableBufferPointer<Float> {
        let (bytes, overflow) = max(count, 1).multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
        guard !overflow else { throw OutOfMemory(bytes: .max) }
        let huge = bytes >= hugePage
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, huge ? hugePage : 64, bytes) == 0, let raw else { throw OutOfMemory(bytes: bytes) }
        if huge { _ = madvise(raw, bytes, MADV_HUGEPAGE) }
        return UnsafeMutableBufferPointer(start: raw.bindMemory(to: Float.self, capacity: max(count, 1)), count: max(count, 1))
    }

    /// The system refused an allocation of `bytes`.
    public struct OutOfMemory: Error, Sendable {
        public let bytes: Int
    }

    /// Frees a buffer from `allocate(_:)`.
    public static func deallocate(_ buffer: UnsafeMutableBufferPointer<Float>) {
        free(buffer.baseAddress)
    }
}
