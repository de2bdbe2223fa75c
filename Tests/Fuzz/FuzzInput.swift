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
        try write(bytes, to: root + "/input")
    }

    /// A directory in OGB's raw layout with these two files.
    static func ogbDirectory(edges: UnsafeRawBufferPointer, features: UnsafeRawBufferPointer) throws -> String {
        try write(edges, to: root + "/ogb/raw/edge.csv")
        try write(features, to: root + "/ogb/raw/node-feat.csv")
        return root + "/ogb"
    }

    /// Rewrites `path` in place (Foundation's `Data.write` goes through a temporary file and a rename,
    /// several times slower per input).
    @discardableResult
    private static func write(_ bytes: UnsafeRawBufferPointer, to path: String) throws -> String {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + done, bytes.count - done)
            guard n > 0 else { throw CocoaError(.fileWriteUnknown) }
            done += n
        }
        return path
    }

    /// A 4 × 2 f32 feature matrix for the edge-list target (written once).
    static func fixedFeatures() throws -> String {
        let path = root + "/features.npy"
        if !FileManager.default.fileExists(atPath: path) {
            let bytes = Npy.header(descr: "<f4", shape: [4, 2]) + [UInt8](repeating: 0, count: 4 * 2 * 4)
            try bytes.withUnsafeBytes { try write($0, to: path) }
        }
        return path
    }
}
