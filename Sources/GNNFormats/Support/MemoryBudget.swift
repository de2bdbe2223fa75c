import Foundation

/// How much memory this process may still take, and the check every allocation sized by an input makes
/// before it happens, so that a declared size too large for the machine is refused with a message instead
/// of aborting or being killed mid-run.
///
/// The limit is the smallest of the cgroup's (v2 `memory.max − memory.current`, v1
/// `memory.limit_in_bytes − memory.usage_in_bytes`) and the kernel's `MemAvailable` (`/proc/meminfo`),
/// read afresh on each check (a few small reads; checks happen once per input, not per element).
/// `GNN_MEMORY_LIMIT` (bytes) lowers it further: to keep a run within a share of a machine, and for the
/// fuzzers and tests, which need a small limit on any machine.
public enum MemoryBudget {
    /// The environment variable that caps the budget, in bytes.
    public static let limitVariable = "GNN_MEMORY_LIMIT"

    /// Bytes this process can still allocate without swapping or an OOM kill; `nil` when no source is
    /// readable (not Linux) and no limit is set, in which case checks pass.
    public static func available() -> UInt64? {
        var limits: [UInt64] = []
        // getenv, not ProcessInfo's environment, which copies every variable into a dictionary on each call.
        if let value = getenv(limitVariable), let limit = UInt64(String(cString: value)) { limits.append(limit) }
        if let available = meminfoAvailable() { limits.append(available) }
        if let cgroup = cgroupHeadroom() { limits.append(cgroup) }
        return limits.min()
    }

    /// Throws unless `bytes` fit in `available()`. `what` names the allocation ("the model's N × D
    /// states"), `fix` says how to need less.
    public static func check(_ bytes: UInt64, for what: @autoclosure () -> String, fix: @autoclosure () -> String? = nil) throws {
        guard let available = available(), bytes > available else { return }
        throw GNNError("\(what()) needs \(ByteCount(Int(clamping: bytes))), but only \(ByteCount(Int(clamping: available))) of memory is available",
                       fix: fix() ?? "run it on a machine (or in a container) with more memory")
    }

    private static func meminfoAvailable() -> UInt64? {
        // Scanned as bytes, line by line up to the first MemAvailable line (the third): splitting the whole
        // text into Strings cost more than reading it, on every check.
        guard let bytes = smallFileBytes("/proc/meminfo") else { return nil }
        let key = Array("MemAvailable:".utf8)
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            let line = bytes[start..<end]
            if line.starts(with: key) {
                let fields = line.split(separator: UInt8(ascii: " "))
                guard fields.count >= 2, let kib = UInt64(String(decoding: fields[1], as: UTF8.self)) else { return nil }
                return kib.multipliedReportingOverflow(by: 1024).partialValue
            }
            start = end + 1
        }
        return nil
    }

    /// The cgroup's limit minus its usage; `nil` when there is no limit ("max") or no cgroup file.
    private static func cgroupHeadroom() -> UInt64? {
        let pairs = [("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                     ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes")]
        for (limitPath, usagePath) in pairs {
            guard let limitText = smallFile(limitPath) else { continue }
            guard let limit = UInt64(limitText.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
            let usage = smallFile(usagePath).flatMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
            return limit > usage ? limit - usage : 0
        }
        return nil
    }

    /// A small text file of the kernel's (read with a bound: these are pseudo-files of unknown size).
    private static func smallFile(_ path: String) -> String? {
        smallFileBytes(path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The first 64 KiB (at most) of `path`, read with `open`/`read` (FileHandle and Data cost several
    /// times the kernel's work for these few hundred bytes).
    private static func smallFileBytes(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let limit = 1 << 16
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: limit) { buffer, count in
            count = 0
            while count < limit {
                let n = read(descriptor, buffer.baseAddress! + count, limit - count)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { failed = n < 0; return }
                count += n
            }
        }
        guard !failed, !bytes.isEmpty else { return nil }  // an empty file counts as unreadable
        return bytes
    }
}
