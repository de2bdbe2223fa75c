import Foundation
import GNNFormats
@testable import GNNImport
@testable import GNNExport
import GNNModels

/// One fuzz target per parser: each takes libFuzzer's bytes, hands them to the parser as a file (the
/// parsers read files, most of them memory-mapped), and lets a refusal (`GNNError` or any other thrown
/// error) pass; only a crash, a sanitizer report, a timeout or a blown memory limit is a finding.
enum FuzzTargets {
    typealias Target = @Sendable (UnsafeRawBufferPointer) -> Void

    /// The target `main` chose, called for every input.
    nonisolated(unsafe) static var selected: Target?

    static let all: [String: Target] = [
        "graph": { bytes in
            // Open, then the whole of `info --verify`.
            ignoringErrors {
                let graph = try GraphFile(path: try FuzzInput.file(bytes))
                _ = try graph.verifyStructure()
                try graph.verifyChecksums()
            }
        },
        "model": { bytes in
            // Open, decode every tensor, and build the model its architecture describes.
            ignoringErrors {
                let model = try ModelFile(path: try FuzzInput.file(bytes))
                try model.verify()
                _ = try GNNModel(model)
            }
        },
        "safetensors": { bytes in
            ignoringErrors {
                let file = try SafetensorsFile(path: try FuzzInput.file(bytes))
                for tensor in file.tensors where tensor.dtype.isFloatingPoint { _ = try file.floats(tensor.name) }
            }
        },
        "pt": { bytes in
            // The zip, the pickle and every tensor's values.
            ignoringErrors {
                let checkpoint = try TorchCheckpoint(path: try FuzzInput.file(bytes))
                for tensor in checkpoint.tensors { _ = try? tensor.floats() }
            }
        },
        "npy": { bytes in
            ignoringErrors {
                let array = try NpzArchive.npyFile(try FuzzInput.file(bytes))
                if !array.elementType.isInteger, array.count > 0 {
                    var row = [Float](repeating: 0, count: array.columns)
                    try row.withUnsafeMutableBufferPointer { try array.copyRows(0..<1, into: $0.baseAddress!) }
                } else {
                    _ = try? array.integers()
                }
            }
        },
        "npz": { bytes in
            ignoringErrors { _ = try NpzGraphReader.read(try FuzzInput.file(bytes)) }
        },
        "edgelist": { bytes in
            ignoringErrors {
                _ = try EdgeListGraphReader.read(try FuzzInput.file(bytes), features: try FuzzInput.fixedFeatures())
            }
        },
        "arch": { bytes in
            ignoringErrors { _ = try ArchitectureDescription(path: try FuzzInput.file(bytes)) }
        },
        "ogb": { bytes in
            // Bytes up to the first NUL are raw/edge.csv, the rest raw/node-feat.csv.
            ignoringErrors {
                let split = bytes.firstIndex(of: 0) ?? bytes.count
                let directory = try FuzzInput.ogbDirectory(edges: UnsafeRawBufferPointer(rebasing: bytes[..<split]),
                                                           features: UnsafeRawBufferPointer(rebasing: bytes[min(split + 1, bytes.count)...]))
                _ = try OGBGraphReader.read(directory)
            }
        },
    ]

    private static func ignoringErrors(_ body: () throws -> Void) {
        do { try body() } catch {}
    }
}
