import Foundation
import GNNFormats

/// The files a fuzz input is written to: one scratch path per process, rewritten for every input, in
/// `/dev/shm` (memory) when it exists.
enum FuzzInput {
    private static let root: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = "\(base)/gnn-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path + "/ogb/raw", withIntermediateDirectories: true)
        return path
    }()

    /// `bytes` as the file the parser reads.
    static func file(_ bytes: UnsafeRawBufferPointer) throws -> String {
        let path = root + "/input"
        try Data(bytes).write(to: URL(filePath: path))
        return path
    }

    /// A directory in OGB's raw layout with these two files.
    static func ogbDirectory(edges: UnsafeRawBufferPointer, features: UnsafeRawBufferPointer) throws -> String {
        try Data(edges).write(to: URL(filePath: root + "/ogb/raw/edge.csv"))
        try Data(features).write(to: URL(filePath: root + "/ogb/raw/node-feat.csv"))
        return root + "/ogb"
    }

    /// A 4 × 2 f32 feature matrix for the edge-list target (written once).
    static func fixedFeatures() throws -> String {
        let path = root + "/features.npy"
        if !FileManager.default.fileExists(atPath: path) {
            var bytes = Npy.header(descr: "<f4", shape: [4, 2])
            bytes += [UInt8](repeating: 0, count: 4 * 2 * 4)
            try Data(bytes).write(to: URL(filePath: path))
        }
        return path
    }
}
