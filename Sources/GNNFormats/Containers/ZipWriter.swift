import CGzip

/// Builds a zip archive of stored (uncompressed) members in memory: what NumPy's `numpy.savez` writes and
/// what `numpy.load` and `ZipMembers` read.
///
/// Stored members keep the writer small and the output fast to read; scores compress poorly anyway. Sizes
/// and offsets use the classic 32-bit fields, so an archive is limited to 4 GiB; `bytes()` refuses more
/// rather than write a file that readers would misread.
public struct ZipWriter {
    private struct Member {
        var name: [UInt8]
        var crc: UInt32
        var size: UInt32
        var offset: UInt32
    }

    private var output: [UInt8] = []
    private var members: [Member] = []
    private var tooLarge = false

    public init() {}

    /// Appends member `name` holding `data`, stored as it is.
    public mutating func add(_ name: String, _ data: [UInt8]) {
        let limit = Int(UInt32.max)
        guard data.count < limit, output.count < limit - data.count - 30 - name.utf8.count else {
            tooLarge = true
            return
        }
        let crc = data.withUnsafeBufferPointer { UInt32(truncatingIfNeeded: crc32_z(0, $0.baseAddress, $0.count)) }
        let member = Member(name: Array(name.utf8), crc: crc, size: UInt32(data.count), offset: UInt32(output.count))
        // Local file header (APPNOTE 4.3.7): version 2.0, no flags, method 0 (stored), time and date zero.
        append32(0x0403_4B50)
        append16(20); append16(0); append16(0); append16(0); append16(0)
        append32(member.crc); append32(member.size); append32(member.size)
        append16(UInt16(member.name.count)); append16(0)
        output += member.name
        output += data
        members.append(member)
    }

    /// The archive: the members, their central directory and its end record.
    public func bytes() throws -> [UInt8] {
        var archive = self
        guard !tooLarge, members.count < Int(UInt16.max) else { throw Self.beyondLimits }
        let directoryOffset = UInt32(archive.output.count)
        for member in members {
            // Central directory header (APPNOTE 4.3.12).
            archive.append32(0x0201_4B50)
            archive.append16(20); archive.append16(20); archive.append16(0); archive.append16(0)
            archive.append16(0); archive.append16(0)
            archive.append32(member.crc); archive.append32(member.size); archive.append32(member.size)
            archive.append16(UInt16(member.name.count)); archive.append16(0); archive.append16(0)
            archive.append16(0); archive.append16(0); archive.append32(0)
            archive.append32(member.offset)
            archive.output += member.name
        }
        guard let end = UInt32(exactly: archive.output.count) else { throw Self.beyondLimits }
        let directorySize = end - directoryOffset
        // End of central directory record (APPNOTE 4.3.16).
        archive.append32(0x0605_4B50)
        archive.append16(0); archive.append16(0)
        archive.append16(UInt16(members.count)); archive.append16(UInt16(members.count))
        archive.append32(directorySize); archive.append32(directoryOffset)
        archive.append16(0)
        return archive.output
    }

    private static let beyondLimits = GNNError("the output would exceed the 4 GiB or 65535 members of a zip without Zip64",
                                               fix: "select fewer nodes with --nodes, or write --format npy")

    private mutating func append16(_ value: UInt16) {
        output += [UInt8(value & 0xFF), UInt8(value >> 8)]
    }

    private mutating func append32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { output += $0 }
    }
}
