import CGzip
import Foundation

/// A zip archive (`ZipDirectory`) whose members are extracted whole, one at a time, after their declared
/// size is checked against a limit, with their CRC-32 verified: stored members are read as they are,
/// deflated ones inflated by zlib into exactly their declared size.
///
/// Shared by the `.npz` reader and PyTorch's `.pt` checkpoint reader.
public final class ZipMembers {
    public let path: String
    /// Member file names, in archive order.
    public let names: [String]
    private let file: FileHandleReader
    /// The archive file's size in bytes.
    private let archiveLength: UInt64
    private let members: [String: ZipDirectory.Member]
    private let fix: String

    /// Opens the archive; `kind` and `fix` describe the expected file in the error when it is not a zip.
    public init(path: String, kind: String, fix: String) throws {
        self.path = path
        self.fix = fix
        file = try FileHandleReader(path: path)
        archiveLength = try file.length()
        let directory: ZipDirectory
        do {
            directory = try ZipDirectory(file: file, length: archiveLength) { problem in
                GNNError("is not a readable \(kind) (zip) archive: \(problem)", in: path, fix: fix)
            }
        }
        // numpy and torch read a member marked as a symbolic link as a file; other readers would not: such
        // an archive means two things.
        if let link = directory.members.first(where: \.isSymlink) {
            throw GNNError("member \(GNNError.echo(link.name)) is marked as a symbolic link; readers disagree on what it holds", in: path,
                           fix: "the archive is damaged or hostile; write it again")
        }
        let files = directory.members.filter { !$0.isDirectory }
        names = files.map(\.name)
        // Readers disagree on which of two same-named members counts (numpy takes the last, a lookup the
        // first): such an archive means two things.
        var members: [String: ZipDirectory.Member] = [:]
        for member in files {
            guard members.updateValue(member, forKey: member.name) == nil else {
                throw GNNError("has two members named \(GNNError.echo(member.name)); readers disagree on which one counts", in: path,
                               fix: "write the archive again with one member per name")
            }
        }
        self.members = members
    }

    /// Member `name`, checked before any of its data is read: stored or deflated, not encrypted, and
    /// within the archive's bytes; with the offset of its data.
    private func member(_ name: String) throws -> (ZipDirectory.Member, dataOffset: UInt64)? {
        guard let member = members[name] else { return nil }
        guard member.flags & 1 == 0 else {
            throw GNNError("member \(GNNError.echo(name)) is encrypted", in: path, fix: "write the archive again without a password")
        }
        guard member.method == Self.stored || member.method == Self.deflated else {
            throw GNNError("member \(GNNError.echo(name)) uses compression method \(member.method); numpy and torch write 0 (stored) or 8 (deflate)",
                           in: path, fix: "write the archive again with numpy.savez or torch.save")
        }
        guard member.method == Self.deflated || member.compressedSize == member.uncompressedSize else {
            throw GNNError("member \(GNNError.echo(name)) is stored with \(member.compressedSize) bytes but declares \(member.uncompressedSize)",
                           in: path, fix: "the archive is damaged or hostile; write it again")
        }
        let dataOffset = try ZipDirectory.dataOffset(member, file: file, length: archiveLength) { problem in
            GNNError(problem, in: path, fix: "the archive is damaged or hostile; write it again")
        }
        return (member, dataOffset)
    }

    static let stored: UInt16 = 0
    static let deflated: UInt16 = 8

    /// The first `count` bytes of member `name` (fewer when it is shorter), without extracting the rest:
    /// enough to read a header that says how large the whole member must be.
    public func prefix(_ name: String, _ count: Int) throws -> [UInt8]? {
        guard let (member, dataOffset) = try member(name) else { return nil }
        let wanted = Int(min(UInt64(max(count, 0)), member.uncompressedSize))
        var bytes = [UInt8](repeating: 0, count: wanted)
        let filled = try bytes.withUnsafeMutableBytes { try read(member, at: dataOffset, into: $0, whole: false) }
        return Array(bytes[..<filled])
    }

    /// The uncompressed size the archive declares for member `name`, or `nil` when there is no such member.
    public func declaredSize(_ name: String) -> UInt64? {
        members[name]?.uncompressedSize
    }

    /// The bytes of member `name` (`nil` when absent). The declared size must be at most `limit` and the
    /// machine's memory before anything is allocated; the member must inflate to exactly that size.
    public func extract(_ name: String, limit: UInt64 = .max) throws -> ExtractedBytes? {
        guard let (member, dataOffset) = try member(name) else { return nil }
        guard member.uncompressedSize <= limit else {
            throw GNNError("member \(name) claims \(member.uncompressedSize) bytes, more than the \(limit) allowed",
                           in: path, fix: "the archive is damaged or hostile")
        }
        do {
            try MemoryBudget.check(member.uncompressedSize, for: "member \(name)'s declared \(member.uncompressedSize) bytes")
        } catch let error as GNNError {
            throw error.located(at: path)
        }
        let size = try Checked.int(member.uncompressedSize, "member \(name) size")
        let storage = ExtractedBytes(count: size)
        _ = try read(member, at: dataOffset, into: UnsafeMutableRawBufferPointer(rebasing: storage.mutableBytes[0..<size]), whole: true)
        let crc = crc32_z(0, storage.bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), size)
        guard UInt32(truncatingIfNeeded: crc) == member.crc32 else {
            throw GNNError("member \(name) fails its CRC-32 check", in: path, fix: "the archive is damaged; write it again")
        }
        return storage
    }

    /// Fills `out` with the member's first bytes; returns how many. With `whole`, `out` is the member's
    /// declared size and the data must fill it exactly (no more, no less).
    private func read(_ member: ZipDirectory.Member, at dataOffset: UInt64, into out: UnsafeMutableRawBufferPointer, whole: Bool) throws -> Int {
        if member.method == Self.stored {
            try file.read(at: dataOffset, into: out)
            return out.count
        }
        var inflater = Inflater(file: file, offset: dataOffset, length: member.compressedSize)
        defer { inflater.end() }
        let filled = try inflater.inflate(into: out, name: member.name, whole: whole)
        if whole && filled != out.count {
            throw GNNError("member \(member.name) has \(filled) bytes, its header says \(out.count)", in: path,
                           fix: "the archive is damaged; write it again")
        }
        return filled
    }
}

/// zlib's raw inflate over a member's compressed bytes, read from the file a piece at a time.
private struct Inflater {
    private let file: FileHandleReader
    private var offset: UInt64
    private var remaining: UInt64
    private var stream = z_stream()
    private var input = [UInt8](repeating: 0, count: 1 << 20)
    /// Bytes of `input` holding the current piece (its last `stream.avail_in` not inflated yet).
    private var inputLength = 0
    private var started = false

    init(file: FileHandleReader, offset: UInt64, length: UInt64) {
        self.file = file
        self.offset = offset
        remaining = length
    }

    /// Inflates into `out` until it is full or the stream ends; returns the bytes written. With `whole`, a
    /// stream that would write past `out`, or that stops before its end, is an error.
    mutating func inflate(into out: UnsafeMutableRawBufferPointer, name: String, whole: Bool) throws -> Int {
        func fail(_ problem: String) -> GNNError {
            GNNError("member \(name) \(problem)", in: file.path, fix: "the archive is damaged; write it again")
        }
        // Window bits −15: a raw deflate stream, as zip stores it (no zlib header).
        guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fail("cannot be inflated: zlib did not start")
        }
        started = true
        var produced = 0
        var spare: UInt8 = 0
        while true {
            if stream.avail_in == 0 && remaining > 0 {
                let count = Int(min(remaining, UInt64(input.count)))
                try input.withUnsafeMutableBytes { try file.read(at: offset, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<count])) }
                offset += UInt64(count)
                remaining -= UInt64(count)
                stream.avail_in = UInt32(count)
                inputLength = count
            }
            let full = produced == out.count
            if full && !whole { return produced }
            let consumed = inputLength - Int(stream.avail_in)
            let status: Int32 = input.withUnsafeMutableBytes { inputBytes in
                stream.next_in = inputBytes.baseAddress!.assumingMemoryBound(to: Bytef.self) + consumed
                // Once `out` is full, one spare byte shows whether the stream has more than it declared.
                return withUnsafeMutablePointer(to: &spare) { spareByte in
                    if full {
                        stream.next_out = spareByte
                        stream.avail_out = 1
                    } else {
                        stream.next_out = (out.baseAddress! + produced).assumingMemoryBound(to: Bytef.self)
                        stream.avail_out = UInt32(min(out.count - produced, Int(UInt32.max)))
                    }
                    let before = stream.avail_out
                    let status = CGzip.inflate(&stream, Z_NO_FLUSH)
                    if !full { produced += Int(before - stream.avail_out) }
                    else if stream.avail_out == 0 { produced += 1 }
                    return status
                }
            }
            if produced > out.count { throw fail("is longer than its header says") }
            switch status {
            case Z_STREAM_END: return produced
            case Z_OK: continue
            case Z_BUF_ERROR where stream.avail_in == 0 && remaining == 0: throw fail("ends before its deflate stream does")
            case Z_BUF_ERROR: continue
            default: throw fail("is not a valid deflate stream (zlib error \(status))")
            }
        }
    }

    mutating func end() {
        if started { inflateEnd(&stream) }
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
