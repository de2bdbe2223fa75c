import Foundation
import GNNFormats

/// A NumPy `.npz` archive (a zip of `.npy` members, stored or deflated), read with `ZipMembers`.
///
/// Members are extracted one at a time on request, so the caller controls how many large arrays are in
/// memory at once.
public final class NpzArchive {
    public let path: String
    private let members: ZipMembers
    /// Member names without the `.npy` suffix, in archive order.
    public let arrayNames: [String]

    public init(path: String) throws {
        self.path = path
        members = try ZipMembers(path: path, kind: ".npz", fix: "write it with numpy.savez")
        arrayNames = members.names.compactMap { $0.hasSuffix(".npy") ? String($0.dropLast(4)) : nil }
    }

    /// The array stored as `name.npy`, or `nil` when the archive has none.
    public func array(_ name: String) throws -> NumPyArray? {
        let member = "\(name).npy"
        guard let declared = members.declaredSize(member), let head = try members.prefix(member, Self.headerPeek) else { return nil }
        // The member may inflate to no more than its header describes: a few hundred KB compressed can
        // declare gigabytes beyond a small array.
        let header = try head.withUnsafeBytes { try Npy.Header(reading: $0, name: "\(path):\(name)") }
        let dataBytes = try Checked.multiply(try Checked.product(header.shape.map { UInt64($0) }, "\(name) element count"),
                                             UInt64(header.elementType.size), "\(name) size")
        let expected = try Checked.add(UInt64(header.dataOffset), dataBytes, "\(name) size")
        guard declared == expected else {
            throw GNNError("member \(member) declares \(declared) bytes but its .npy header describes \(expected) (shape \(header.shape))",
                           in: path, fix: "write the archive again with numpy.savez")
        }
        guard let storage = try members.extract(member, limit: expected) else { return nil }
        return try NumPyArray(npy: storage.bytes, name: "\(path):\(name)", owner: storage)
    }

    /// Bytes read to parse a member's `.npy` header before extracting it: a version 1 header is at most
    /// 10 + 65,535 bytes, and numpy writes version 2 headers only when they exceed that.
    static let headerPeek = 1 << 20

    /// Reads a standalone `.npy` file in place (memory-mapped).
    public static func npyFile(_ path: String) throws -> NumPyArray {
        let file = try MappedFile(path: path)
        return try NumPyArray(npy: file.bytes, name: path, owner: file)
    }
}
