import CGzip
import Foundation
import ZIPFoundation

/// A zip archive opened with ZIPFoundation whose members are extracted whole, one at a time, after their
/// declared size is checked against a limit and with their CRC-32 verified.
///
/// Shared by the `.npz` reader and PyTorch's `.pt` checkpoint reader.
public final class ZipMembers {
    public let path: String
    /// Member file names, in archive order.
    public let names: [String]
    private let archive: Archive
    /// The archive file's size in bytes.
    private let archiveLength: UInt64

    /// Opens the archive; `kind` and `fix` describe the expected file in the error when it is not a zip.
    public init(path: String, kind: String, fix: String) throws {
        self.path = path
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw GNNError("is not a readable \(kind) (zip) archive: \(error)", in: path, fix: fix)
        }
        var status = stat()
        archiveLength = stat(path, &status) == 0 ? UInt64(status.st_size) : 0
        // numpy and torch read a member marked as a symbolic link as a file; ZIPFoundation would not (and would
        // read its target in one piece of its declared size): such an archive means two things.
        if let link = archive.first(where: { $0.type == .symlink }) {
            throw GNNError("member \(GNNError.echo(link.path)) is marked as a symbolic link; readers disagree on what it holds", in: path,
                           fix: "the archive is damaged or hostile; write it again")
        }
        names = archive.compactMap { $0.type == .file ? $0.path : nil }
        // Readers disagree on which of two same-named members counts (numpy takes the last, a lookup the
        // first): such an archive means two things.
        var seen = Set<String>()
        if let twice = names.first(where: { !seen.insert($0).inserted }) {
            throw GNNError("has two members named \(GNNError.echo(twice)); readers disagree on which one counts", in: path,
                           fix: "write the archive again with one member per name")
        }
    }

    /// The entry of member `name`, checked before ZIPFoundation reads any of it: a file, stored within the
    /// archive's bytes.
    private func entry(_ name: String) throws -> Entry? {
        guard let entry = archive[name] else { return nil }
        guard entry.type == .file else {
            throw GNNError("member \(GNNError.echo(name)) is a directory, not a file", in: path, fix: "the archive is damaged; write it again")
        }
        guard entry.compressedSize <= archiveLength else {
            throw GNNError("member \(GNNError.echo(name)) claims \(entry.compressedSize) stored bytes, more than the archive's \(archiveLength)",
                           in: path, fix: "the archive is damaged or hostile; write it again")
        }
        return entry
    }

    /// The first `count` bytes of member `name` (fewer when it is shorter), without extracting the rest:
    /// enough to read a header that says how large the whole member must be.
    public func prefix(_ name: String, _ count: Int) throws -> [UInt8]? {
        guard let entry = try entry(name) else { return nil }
        var bytes: [UInt8] = []
        do {
            _ = try archive.extract(entry, bufferSize: 1 << 16, skipCRC32: true) { chunk in
                bytes += chunk.prefix(count - bytes.count)
                if bytes.count >= count { throw PrefixComplete() }
            }
        } catch is PrefixComplete {
        } catch {
            throw GNNError("member \(name) cannot be extracted: \(error)", in: path, fix: "the archive is damaged; write it again")
        }
        return bytes
    }

    /// Stops an extraction once the prefix is read.
    private struct PrefixComplete: Error {}

    /// The uncompressed size the archive declares for member `name`, or `nil` when there is no such member.
    public func declaredSize(_ name: String) -> UInt64? {
        (try? entry(name))??.uncompressedSize
    }

    /// The bytes of member `name` (`nil` when absent). The declared size must be at most `limit` and the
    /// machine's memory before anything is allocated; extraction stops at the first byte beyond it.
    public func extract(_ name: String, limit: UInt64 = .max) throws -> ExtractedBytes? {
        guard let entry = try entry(name) else { return nil }
        guard entry.uncompressedSize <= limit else {
            throw GNNError("member \(name) claims \(entry.uncompressedSize) bytes, more than the \(limit) allowed",
                           in: path, fix: "the archive is damaged or hostile")
        }
        do {
            try MemoryBudget.check(entry.uncompressedSize, for: "member \(name)'s declared \(entry.uncompressedSize) bytes")
        } catch let error as GNNError {
            throw error.located(at: path)
        }
        let size = try Checked.int(entry.uncompressedSize, "member \(name) size")
        let storage = ExtractedBytes(count: size)
        var filled = 0
        do {
            // zlib's CRC-32 is several times faster than ZIPFoundation's own, so check it here instead.
            _ = try archive.extract(entry, bufferSize: 1 << 20, skipCRC32: true) { chunk in
                guard chunk.count <= size - filled else { throw GNNError("member \(name) is longer than its header says") }
                chunk.copyBytes(to: UnsafeMutableRawBufferPointer(rebasing: storage.mutableBytes[filled..<size]))
                filled += chunk.count
            }
        } catch {
            throw GNNError("member \(name) cannot be extracted: \(error)", in: path, fix: "the archive is damaged; write it again")
        }
        guard filled == size else {
            throw GNNError("member \(name) has \(filled) bytes, its header says \(size)", in: path,
                           fix: "the archive is damaged; write it again")
        }
        let crc = crc32_z(0, storage.bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), size)
        guard UInt32(truncatingIfNeeded: crc) == entry.checksum else {
            throw GNNError("member \(name) fails its CRC-32 check", in: path, fix: "the archive is damaged; write it again")
        }
        return storage
    }
}

/// The bytes of one extracted member; views into them live as long as this object.
public final class ExtractedBytes: @unchecked Sendable {
    /// Exactly the member's bytes.
    public let bytes: UnsafeRawBufferPointer
    private let allocation: UnsafeMutableRawBufferPointer

    init(count: Int) {
        allocation = .allocate(byteCount: max(count, 1), alignment: 64)
        bytes = UnsafeRawBufferPointer(rebasing: allocation[0..<count])
    }

    fileprivate var mutableBytes: UnsafeMutableRawBufferPointer { allocation }

    deinit { allocation.deallocate() }
}
