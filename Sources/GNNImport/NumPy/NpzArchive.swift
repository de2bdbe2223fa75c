import CGzip
import Foundation
import GNNFormats
import ZIPFoundation

/// A NumPy `.npz` archive (a zip of `.npy` members, stored or deflated), read with ZIPFoundation.
///
/// Members are extracted one at a time on request, so the caller controls how many large arrays are in
/// memory at once.
public final class NpzArchive {
    public let path: String
    private let archive: Archive
    /// Member names without the `.npy` suffix, in archive order.
    public let arrayNames: [String]

    public init(path: String) throws {
        self.path = path
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw GNNError("is not a readable .npz (zip) archive: \(error)", in: path, fix: "write it with numpy.savez")
        }
        arrayNames = archive.compactMap { entry in
            entry.type == .file && entry.path.hasSuffix(".npy") ? String(entry.path.dropLast(4)) : nil
        }
    }

    /// The array stored as `name.npy`, or `nil` when the archive has none.
    public func array(_ name: String) throws -> NumPyArray? {
        guard let entry = archive["\(name).npy"] else { return nil }
        let size = try Checked.int(entry.uncompressedSize, "member \(name).npy size")
        guard UInt64(size) <= ProcessInfo.processInfo.physicalMemory else {
            throw GNNError("member \(name).npy claims \(size) bytes, more than this machine's memory", in: path)
        }
        let storage = ByteStorage(count: size)
        var filled = 0
        do {
            // zlib's CRC-32 is several times faster than ZIPFoundation's own, so check it here instead.
            _ = try archive.extract(entry, bufferSize: 1 << 20, skipCRC32: true) { chunk in
                guard chunk.count <= size - filled else { throw GNNError("member \(name).npy is longer than its header says") }
                chunk.copyBytes(to: UnsafeMutableRawBufferPointer(rebasing: storage.bytes[filled...]))
                filled += chunk.count
            }
        } catch {
            throw GNNError("member \(name).npy cannot be extracted: \(error)", in: path, fix: "the archive is damaged; write it again")
        }
        guard filled == size else {
            throw GNNError("member \(name).npy has \(filled) bytes, its header says \(size)", in: path)
        }
        let crc = crc32_z(0, storage.bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), size)
        guard UInt32(truncatingIfNeeded: crc) == entry.checksum else {
            throw GNNError("member \(name).npy fails its CRC-32 check", in: path, fix: "the archive is damaged; write it again")
        }
        return try NumPyArray(npy: UnsafeRawBufferPointer(rebasing: storage.bytes[0..<size]), name: "\(path):\(name)", owner: storage)
    }

    /// Reads a standalone `.npy` file in place (memory-mapped).
    public static func npyFile(_ path: String) throws -> NumPyArray {
        let file = try MappedFile(path: path)
        return try NumPyArray(npy: file.bytes, name: path, owner: file)
    }
}

/// Owns the bytes of an extracted member, which `NumPyArray` points into.
final class ByteStorage {
    let bytes: UnsafeMutableRawBufferPointer

    init(count: Int) {
        bytes = .allocate(byteCount: max(count, 1), alignment: 64)
    }

    deinit { bytes.deallocate() }
}
