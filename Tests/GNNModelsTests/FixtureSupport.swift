import Foundation
import GNNExport
import GNNFormats
import TestSupport

extension Fixtures {
    /// Imports models/NAME/weights.safetensors with NAME/arch.json into a model file stored as `dtype`, once
    /// per process (NAME may be a path such as `deq/deq_gcn`).
    static func modelPath(_ name: String, dtype: DType = .float32) throws -> String {
        let path = "\(scratch)/\(name.replacingOccurrences(of: "/", with: "_"))-\(dtype).gnnz"
        if !FileManager.default.fileExists(atPath: path) {
            var request = ModelImporter.Request(weights: "\(models)/\(name)/weights.safetensors",
                                                description: try ArchitectureDescription(path: "\(models)/\(name)/arch.json"),
                                                output: path)
            request.dtype = dtype
            request.name = name
            request.overwrite = true
            try ModelImporter.export(request)
        }
        return path
    }
}
