import Foundation
import GNNFormats

/// Which scores a response came from: the load counter of the server (1 for the first load, one more for
/// every load of any model since) and digests of the model file and the graph file.
///
/// The digests are the XXH3-64 seal that ends each file's 128-byte header: it covers the header, whose
/// tables carry the checksum of every section (graph) or of the metadata and every tensor (model), so it
/// changes with any content and is read in O(1) instead of hashing gigabytes at each load.
public struct ModelVersion: Sendable, Equatable, CustomStringConvertible {
    public let loadCounter: Int
    public let modelDigest: UInt64
    public let graphDigest: UInt64

    /// `COUNTER-MODELDIGEST-GRAPHDIGEST` (digests in 16 hex digits): the version in URLs and responses.
    /// Made once here: every response names it, twice.
    public let description: String

    public init(loadCounter: Int, modelDigest: UInt64, graphDigest: UInt64) {
        self.loadCounter = loadCounter
        self.modelDigest = modelDigest
        self.graphDigest = graphDigest
        description = "\(loadCounter)-\(Self.hex(modelDigest))-\(Self.hex(graphDigest))"
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The header seal of the graph or model file at `path`.
    static func digest(ofFileAt path: String) throws -> UInt64 {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw GNNError("cannot be opened", in: path)
        }
        defer { try? handle.close() }
        let header = try handle.read(upToCount: FilePreamble.headerSize) ?? Data()
        guard header.count == FilePreamble.headerSize else {
            throw GNNError("is truncated: shorter than the \(FilePreamble.headerSize)-byte header", in: path)
        }
        return header.suffix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
}
