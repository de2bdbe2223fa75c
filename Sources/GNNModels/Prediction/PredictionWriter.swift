import Foundation
import GNNFormats

/// Writes predictions for the selected nodes as `.npy` (a float32 matrix), `.npz` (the node ids and that
/// matrix), CSV or JSON Lines.
public struct PredictionWriter {
    public enum Format: String, CaseIterable, Sendable {
        case csv, npy, npz, jsonl

        /// The format an output path names by its extension: nil for a path without one (text, csv, is
        /// the default then); an extension that names no format is refused, because writing CSV into
        /// `out.json` or `out.parquet` would be a silent wrong answer.
        public static func named(byExtensionOf path: String) throws -> Format? {
            let name = path.split(separator: "/").last.map(String.init) ?? path
            guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
            let ext = name[name.index(after: dot)...].lowercased()
            if let format = Format(rawValue: ext) { return format }
            let known = allCases.map { "." + $0.rawValue }.joined(separator: ", ")
            throw GNNError("-o \(path): .\(ext) is not a format predict writes (known: \(known))",
                           fix: "use one of these extensions or give --format")
        }

        /// Whether the format is binary and so needs an output file rather than stdout.
        public var isBinary: Bool { self == .npy || self == .npz }
    }

    /// What the score columns hold.
    public enum ScoreKind: String, CaseIterable, Sendable {
        /// Raw model outputs.
        case logits
        /// Softmax (multi-class) or sigmoid (multi-label) probabilities.
        case probs
    }

    public var format: Format
    public var scores: ScoreKind
    public var topK: Int
    public var task: ModelArchitecture.Task
    public var classNames: [String]?

    public init(format: Format, scores: ScoreKind, topK: Int, task: ModelArchitecture.Task, classNames: [String]?) {
        self.format = format
        self.scores = scores
        self.topK = topK
        self.task = task
        self.classNames = classNames
    }

    /// The bytes of the output for the nodes at `rows` of `outputs` (each `columns` wide), in that order;
    /// text formats name row `rows[k]` by `ids[k]` (the node's id in the user's numbering).
    /// `.npz` holds `node_ids` (int64, `ids`) and `scores` (float32, the `.npy` matrix).
    public func render(outputs: [Float], columns: Int, rows: [Int], ids: [Int]) throws -> [UInt8] {
        switch format {
        case .npy: return npy(outputs: outputs, columns: columns, rows: rows)
        case .npz: return try npz(outputs: outputs, columns: columns, rows: rows, ids: ids)
        case .csv: return Array(text(outputs: outputs, columns: columns, rows: rows, ids: ids, json: false).utf8)
        case .jsonl: return Array(text(outputs: outputs, columns: columns, rows: rows, ids: ids, json: true).utf8)
        }
    }

    private func rowValues(_ outputs: [Float], _ columns: Int, _ v: Int) -> [Float] {
        let row = outputs[v * columns..<(v + 1) * columns]
        return scores == .probs ? Scores.probabilities(row, task: task) : Array(row)
    }

    /// NumPy format 1.0: magic, header dict padded to a 64-byte boundary, then little-endian f32 rows.
    private func npy(outputs: [Float], columns: Int, rows: [Int]) -> [UInt8] {
        npyHeader(rows: rows.count, columns: columns) + npyRows(outputs: outputs, columns: columns, rows: rows)
    }

    /// The header of the `.npy` output for `rows` nodes: the bytes before the first row.
    public func npyHeader(rows: Int, columns: Int) -> [UInt8] {
        Npy.header(descr: "<f4", shape: [rows, columns])
    }

    /// The `.npy` output's bytes of the nodes at `rows` of `outputs`, after the header: `columns` little-endian
    /// f32 per node (logits, or probabilities as `scores` says).
    public func npyRows(outputs: [Float], columns: Int, rows: some Collection<Int>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(rows.count * columns * 4)
        for v in rows {
            for value in rowValues(outputs, columns, v) {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
            }
        }
        return bytes
    }

    /// `numpy.savez` layout: one `.npy` member per array, stored; the ids let a reader join scores to nodes.
    private func npz(outputs: [Float], columns: Int, rows: [Int], ids: [Int]) throws -> [UInt8] {
        var nodeIDs = Npy.header(descr: "<i8", shape: [ids.count])
        nodeIDs.reserveCapacity(nodeIDs.count + ids.count * 8)
        for id in ids {
            withUnsafeBytes(of: Int64(id).littleEndian) { nodeIDs += $0 }
        }
        var zip = ZipWriter()
        zip.add("node_ids.npy", nodeIDs)
        zip.add("scores.npy", npy(outputs: outputs, columns: columns, rows: rows))
        return try zip.bytes()
    }

    private func name(_ index: Int) -> String {
        classNames.flatMap { index < $0.count ? $0[index] : nil } ?? String(index)
    }

    private func text(outputs: [Float], columns: Int, rows: [Int], ids: [Int], json: Bool) -> String {
        let k = min(max(topK, 1), columns)
        var lines: [String] = []
        if !json {
            switch task {
            case .multiClass:
                lines.append((["node", "prediction"] + (1...k).flatMap { ["class_\($0)", "prob_\($0)"] }).joined(separator: ","))
            case .multiLabel, .regression:
                lines.append((["node"] + (0..<columns).map(name)).joined(separator: ","))
            }
        }
        for (v, id) in zip(rows, ids) {
            let raw = outputs[v * columns..<(v + 1) * columns]
            switch task {
            case .multiClass:
                let probabilities = Scores.softmax(raw)
                let top = Scores.topK(probabilities, k)
                if json {
                    let entries = top.map { "{\"class\":\(jsonString(name($0.0))),\"probability\":\(format($0.1))}" }
                    lines.append("{\"node\":\(id),\"prediction\":\(jsonString(name(top[0].0))),\"top_k\":[\(entries.joined(separator: ","))]}")
                } else {
                    lines.append(([String(id), csvField(name(top[0].0))] + top.flatMap { [csvField(name($0.0)), format($0.1)] }).joined(separator: ","))
                }
            case .multiLabel, .regression:
                let values = rowValues(outputs, columns, v)
                if json {
                    var object = "{\"node\":\(id),\"scores\":[\(values.map(format).joined(separator: ","))]"
                    if task == .multiLabel {
                        let positive = values.indices.filter { Scores.probabilities(raw, task: task)[$0] > 0.5 }.map { jsonString(name($0)) }
                        object += ",\"positive\":[\(positive.joined(separator: ","))]"
                    }
                    lines.append(object + "}")
                } else {
                    lines.append(([String(id)] + values.map(format)).joined(separator: ","))
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func format(_ value: Float) -> String { "\(value)" }

    private func csvField(_ text: String) -> String {
        text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    private func jsonString(_ text: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }
}
