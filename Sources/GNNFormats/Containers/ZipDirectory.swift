import Foundation

/// The central directory of a zip archive (PKWARE APPNOTE 6.3, with ZIP64), read strictly: every offset and
/// size is checked against the file's real length before it is used, so a damaged or hostile archive is a
/// clean error, never a trap, a huge allocation or a seek past the end.
///
/// This is all `.npz` and `.pt` files need: numpy and torch write one-disk archives of stored or deflated
/// members. The reader we used before (ZIPFoundation) trapped on a ZIP64 offset beyond 2^63 (found by
/// `scripts/fuzz.sh` on a release build) and scanned the whole file for its end record.
struct ZipDirectory {
    /// One member as the central directory describes it.
    struct Member {
        let name: String
        let method: UInt16
        let flags: UInt16
        let crc32: UInt32
        let compressedSize: UInt64
        let uncompressedSize: UInt64
        let localHeaderOffset: UInt64
        /// A Unix symbolic link (mode in the external attributes of an archive made on Unix).
        let isSymlink: Bool
        var isDirectory: Bool { name.hasSuffix("/") }
    }

    let members: [Member]

    /// Reads the directory of the archive open as `file` (`length` bytes); `fail(problem)` makes the error.
    init(file: FileHandleReader, length: UInt64, fail: (String) -> GNNError) throws {
        let record = try Self.endRecord(file, length: length, fail: fail)
        var entries = UInt64(record.entries), size = UInt64(record.directorySize), offset = UInt64(record.directoryOffset)
        if record.offset >= Self.locatorSize,
           let locator = try? file.read(at: record.offset - Self.locatorSize, count: Int(Self.locatorSize)),
           locator.uint32(0) == Self.locatorSignature {
            let zip64Offset = locator.uint64(8)
            guard zip64Offset <= record.offset - Self.locatorSize, record.offset - Self.locatorSize - zip64Offset >= Self.zip64RecordSize,
                  let zip64 = try? file.read(at: zip64Offset, count: Int(Self.zip64RecordSize)),
                  zip64.uint32(0) == Self.zip64RecordSignature else {
                throw fail("its ZIP64 end record is not where its locator says")
            }
            entries = zip64.uint64(32)
            size = zip64.uint64(40)
            offset = zip64.uint64(48)
        }
        guard offset <= length, size <= length - offset else {
            throw fail("its central directory (\(size) bytes at \(offset)) lies beyond the file's \(length) bytes")
        }
        guard entries <= size / Self.entrySize else {
            throw fail("its central directory claims \(entries) members, more than its \(size) bytes can hold")
        }
        do {
            try MemoryBudget.check(size, for: "its central directory's \(size) bytes")
        } catch let error as GNNError {
            throw error.located(at: file.path)
        }
        let directory = try file.read(at: offset, count: Int(size))
        var members: [Member] = []
        members.reserveCapacity(Int(entries))
        var at = 0
        for index in 0..<Int(entries) {
            members.append(try Self.member(directory, at: &at, index: index, fileLength: length, fail: fail))
        }
        self.members = members
    }

    /// The first byte of a member's data: after its local header, name and extra field, all within the file.
    static func dataOffset(_ member: Member, file: FileHandleReader, length: UInt64, fail: (String) -> GNNError) throws -> UInt64 {
        guard member.localHeaderOffset <= length, length - member.localHeaderOffset >= localHeaderSize else {
            throw fail("member \(GNNError.echo(member.name))'s local header lies beyond the file's end")
        }
        let header = try file.read(at: member.localHeaderOffset, count: Int(localHeaderSize))
        guard header.uint32(0) == localHeaderSignature else {
            throw fail("member \(GNNError.echo(member.name)) has no local header where the directory says")
        }
        let start = member.localHeaderOffset + localHeaderSize + UInt64(header.uint16(26)) + UInt64(header.uint16(28))
        guard start <= length, member.compressedSize <= length - start else {
            throw fail("member \(GNNError.echo(member.name)) claims \(member.compressedSize) stored bytes beyond the file's end")
        }
        return start
    }

    // MARK: - Layout (APPNOTE 4.3)

    static let endSignature: UInt32 = 0x0605_4b50
    static let locatorSignature: UInt32 = 0x0706_4b50
    static let zip64RecordSignature: UInt32 = 0x0606_4b50
    static let entrySignature: UInt32 = 0x0201_4b50
    static let localHeaderSignature: UInt32 = 0x0403_4b50
    static let endSize: UInt64 = 22
    static let locatorSize: UInt64 = 20
    static let zip64RecordSize: UInt64 = 56
    static let entrySize: UInt64 = 46
    static let localHeaderSize: UInt64 = 30
    /// A 16-bit comment length bounds how far before the end the end record can start.
    static let maxCommentLength: UInt64 = 0xFFFF

    private struct EndRecord {
        let offset: UInt64
        let entries: UInt16
        let directorySize: UInt32
        let directoryOffset: UInt32
    }

    /// The end-of-central-directory record: the last one in the final 22 + 65,535 bytes whose comment ends
    /// exactly at the end of the file.
    private static func endRecord(_ file: FileHandleReader, length: UInt64, fail: (String) -> GNNError) throws -> EndRecord {
        guard length >= endSize else { throw fail("is \(length) bytes, too short for a zip archive") }
        let tailLength = min(length, endSize + maxCommentLength)
        let tail = try file.read(at: length - tailLength, count: Int(tailLength))
        var position = Int(tailLength - endSize)
        while position >= 0 {
            if tail.uint32(position) == endSignature, UInt64(position) + endSize + UInt64(tail.uint16(position + 20)) == tailLength {
                guard tail.uint16(position + 4) == 0, tail.uint16(position + 6) == 0 else {
                    throw fail("spans several disks, which numpy and torch never write")
                }
                return EndRecord(offset: length - tailLength + UInt64(position), entries: tail.uint16(position + 10),
                                 directorySize: tail.uint32(position + 12), directoryOffset: tail.uint32(position + 16))
            }
            position -= 1
        }
        throw fail("has no end-of-central-directory record (not a zip archive, or truncated)")
    }

    /// The central directory entry at `at` (advanced past it).
    private static func member(_ directory: [UInt8], at: inout Int, index: Int, fileLength: UInt64,
                               fail: (String) -> GNNError) throws -> Member {
        let start = at
        guard directory.count - at >= Int(entrySize), directory.uint32(at) == entrySignature else {
            throw fail("central directory entry \(index) is damaged")
        }
        let nameLength = Int(directory.uint16(at + 28)), extraLength = Int(directory.uint16(at + 30))
        let commentLength = Int(directory.uint16(at + 32))
        let nameStart = at + Int(entrySize), extraStart = nameStart + nameLength, end = extraStart + extraLength + commentLength
        guard end <= directory.count else { throw fail("central directory entry \(index) runs past the directory's end") }
        guard let name = String(validating: directory[nameStart..<extraStart], as: UTF8.self) else {
            throw fail("member \(index)'s name is not UTF-8")
        }
        var compressed = UInt64(directory.uint32(at + 20)), uncompressed = UInt64(directory.uint32(at + 24))
        var offset = UInt64(directory.uint32(at + 42))
        // ZIP64 extended information (header 0x0001): the 8-byte values of the fields set to 0xFFFFFFFF, in order.
        var field = extraStart
        while field + 4 <= extraStart + extraLength {
            let id = directory.uint16(field), size = Int(directory.uint16(field + 2))
            let data = field + 4
            guard data + size <= extraStart + extraLength else { throw fail("member \(GNNError.echo(name))'s extra field is damaged") }
            if id == 0x0001 {
                var next = data
                func wide(_ value: inout UInt64) throws {
                    guard value == 0xFFFF_FFFF else { return }
                    guard next + 8 <= data + size else { throw fail("member \(GNNError.echo(name))'s ZIP64 field is too short") }
                    value = directory.uint64(next)
                    next += 8
                }
                try wide(&uncompressed)
                try wide(&compressed)
                try wide(&offset)
            }
            field = data + size
        }
        let madeOnUnix = directory[start + 5] == 3
        let mode = directory.uint32(start + 38) >> 16
        at = end
        return Member(name: name, method: directory.uint16(start + 10), flags: directory.uint16(start + 8),
                      crc32: directory.uint32(start + 16), compressedSize: compressed, uncompressedSize: uncompressed,
                      localHeaderOffset: offset, isSymlink: madeOnUnix && mode & 0o170000 == 0o120000)
    }
}

/// Reads bytes at given offsets of an open file (`pread`), for archives read piece by piece.
final class FileHandleReader {
    let path: String
    private let descriptor: Int32

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw GNNError(systemReason(errno), in: path, fix: "check the path") }
    }

    deinit { close(descriptor) }

    /// The file's length in bytes.
    func length() throws -> UInt64 {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw GNNError("cannot read its size: \(systemReason(errno))", in: path) }
        return UInt64(max(status.st_size, 0))
    }

    /// `count` bytes at `offset`; the caller has checked that they lie within the file.
    func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { try read(at: offset, into: $0) }
        return bytes
    }

    /// Fills `buffer` from `offset`; a short file is an error.
    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws {
        var done = 0
        while done < buffer.count {
            let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw GNNError(n < 0 ? "read failed: \(systemReason(errno))" : "ends before offset \(offset + UInt64(buffer.count))", in: path)
            }
            done += n
        }
    }
}

private extension Array where Element == UInt8 {
    func uint16(_ at: Int) -> UInt16 { UInt16(self[at]) | UInt16(self[at + 1]) << 8 }
    func uint32(_ at: Int) -> UInt32 { UInt32(uint16(at)) | UInt32(uint16(at + 2)) << 16 }
    func uint64(_ at: Int) -> UInt64 { UInt64(uint32(at)) | UInt64(uint32(at + 4)) << 32 }
}
