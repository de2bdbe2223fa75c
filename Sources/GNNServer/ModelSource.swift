import Foundation
import GNNFormats

/// Where a served model's files are: a model file and a graph file, under a name clients use in URLs.
public struct ModelSource: Sendable, Equatable {
    public let name: String
    public let modelPath: String
    public let graphPath: String

    public init(name: String, modelPath: String, graphPath: String) {
        self.name = name
        self.modelPath = modelPath
        self.graphPath = graphPath
    }

    /// The model in folder `directory/name` of a repository: the files its `config.json` names
    /// (`{"model": "m.gnnz", "graph": "g.bin"}`, paths relative to the folder), else the folder's only
    /// `*.gnnz` and only `*.bin`.
    public static func inRepository(_ directory: String, name: String) throws -> ModelSource {
        guard Self.isValidName(name) else {
            throw GNNError("\"\(name.prefix(64))\" is not a model name (letters, digits, '.', '-', '_')")
        }
        let folder = (directory as NSString).appendingPathComponent(name)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw GNNError("no model folder \(name) in the repository", in: directory)
        }
        let configPath = (folder as NSString).appendingPathComponent("config.json")
        if FileManager.default.fileExists(atPath: configPath) {
            struct Config: Decodable { var model: String; var graph: String }
            let config: Config
            do {
                config = try JSONDecoder().decode(Config.self, from: Data(contentsOf: URL(fileURLWithPath: configPath)))
            } catch {
                throw GNNError("is not {\"model\": FILE, \"graph\": FILE}: \(error.localizedDescription)", in: configPath)
            }
            return ModelSource(name: name, modelPath: (folder as NSString).appendingPathComponent(config.model),
                               graphPath: (folder as NSString).appendingPathComponent(config.graph))
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        func only(_ suffix: String, _ kind: String) throws -> String {
            let matches = files.filter { $0.hasSuffix(suffix) }
            guard matches.count == 1 else {
                throw GNNError("holds \(matches.count) \(kind) files (*\(suffix)); a model folder needs one, or a config.json naming it",
                               in: folder)
            }
            return (folder as NSString).appendingPathComponent(matches[0])
        }
        return ModelSource(name: name, modelPath: try only(".gnnz", "model"), graphPath: try only(".bin", "graph"))
    }

    /// The sub-folders of a repository that hold a model, by name.
    public static func names(inRepository directory: String) throws -> [String] {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw GNNError("cannot be listed: \(error.localizedDescription)", in: directory)
        }
        return entries.filter { name in
            var isDirectory: ObjCBool = false
            return isValidName(name)
                && FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(name), isDirectory: &isDirectory)
                && isDirectory.boolValue
        }.sorted()
    }

    /// Names are path segments of the API: no '/', no leading '.', nothing a URL would need to escape.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 128 && !name.hasPrefix(".")
            && name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_.".unicodeScalars.contains($0) }
    }
}
