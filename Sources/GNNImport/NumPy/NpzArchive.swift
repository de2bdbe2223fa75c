import Foundation
import GNNFormats

/// A NumPy `.npz` archive (a zip of `.npy` members, stored or deflated), read with ZIPFoundation.
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
        guard let storage = try members.extract("\(name).npy") else { return nil }
        return try NumPyArray(npy: storage.bytes, name: "\(path):\(name)", owner: storage)
    }

    /// Reads a standalone `.npy` file in place (memory-mapped).
    public static func npyFile(_ path: String) throws -> NumPyArray {
        let file = try MappedFile(path: path)
        return try NumPyArray(npy: file.bytes, name: path, owner: file)
    }
}
