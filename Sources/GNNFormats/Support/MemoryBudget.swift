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
        if let value = ProcessInfo.processInfo.environment[limitVariable], let limit = UInt64(value) { limits.append(limit) }
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
        guard let text = smallFile("/proc/meminfo") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let kib = UInt64(fields[1]) else { return nil }
            return kib.multipliedReportingOverflow(by: 1024).partialValue
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
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 1 << 16) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
