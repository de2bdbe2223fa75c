import GNNModels
import HTTPTypes
import Hummingbird
import NIOCore

extension InferenceQuery {
    /// The protocol's `$inference_response` for this query, read from `model`'s scores: the model's name
    /// and version, the request's id, and each output asked for with its shape, type and data. Scores and
    /// classes come from `Scores`, the functions `predict` writes its output with. Outputs asked for as
    /// binary carry `binary_data_size` instead of `data`, and their little-endian elements follow the JSON,
    /// whose length the `Inference-Header-Content-Length` header gives.
    func response(from model: ServedModel) -> Response {
        let batch = nodeIDs.count
        // One buffer for the whole body: ~12 characters per number written as text, the bytes of the rest.
        let capacity = outputs.reduce(256) { size, output in
            let count = elementCount(output.kind, model)
            return size + 64 + (output.binary ? count * output.kind.elementBytes : count * 12)
        }
        var json = JSONWriter(capacity: capacity)
        json.raw("{\"model_name\":")
        json.string(model.source.name)
        json.raw(",\"model_version\":")
        json.string(model.version.description)
        if let id {
            json.raw(",\"id\":")
            json.string(id)
        }
        json.raw(",\"outputs\":")
        json.array(outputs) { json, output in
            switch output.kind {
            case .scores: header(&json, name: "scores", datatype: "FP32", shape: [batch, model.classes])
            case .predictions: header(&json, name: "predictions", datatype: "INT64", shape: [batch])
            case .topK(let k): header(&json, name: "top_k", datatype: "INT64", shape: [batch, k])
            }
            let named = output.kind.hasParameter
            if named || output.binary {
                json.raw(",\"parameters\":{")
                switch output.kind {
                case .scores(let kind):
                    json.raw("\"scores\":")
                    json.string(kind.rawValue)
                case .predictions: break
                case .topK(let k):
                    json.raw("\"top_k\":")
                    json.int(k)
                }
                if output.binary {
                    if named { json.raw(",") }
                    json.raw("\"binary_data_size\":")
                    json.int(elementCount(output.kind, model) * output.kind.elementBytes)
                }
                json.raw("}")
            }
            if !output.binary {
                json.raw(",\"data\":[")
                if case .scores(let kind) = output.kind {
                    for (index, node) in nodeIDs.enumerated() { json.floats(scores(of: node, kind, model), leadingComma: index > 0) }
                } else {
                    var first = true
                    forEachClass(output.kind, model) { value in
                        if !first { json.raw(",") }
                        first = false
                        json.int(value)
                    }
                }
                json.raw("]")
            }
            json.raw("}")
        }
        json.raw("}")
        var headers: HTTPFields = [.modelVersion: model.version.description]
        let jsonLength = json.buffer.readableBytes
        guard outputs.contains(where: \.binary) else { return json.response(headers: headers) }
        for output in outputs where output.binary {
            if case .scores(let kind) = output.kind {
                // The bulk of a large batch: whole rows at once rather than element by element, each
                // asked of memory some rows before it is copied.
                for (index, node) in nodeIDs.enumerated() {
                    if index + Self.prefetchDistance < nodeIDs.count { model.prefetchLogits(ofNode: nodeIDs[index + Self.prefetchDistance]) }
                    json.buffer.writeLittleEndian(scores(of: node, kind, model))
                }
            } else {
                forEachClass(output.kind, model) { json.buffer.writeInteger(Int64($0), endianness: .little) }
            }
        }
        headers[.inferenceHeaderContentLength] = String(jsonLength)
        headers[.contentType] = "application/octet-stream"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: json.buffer))
    }

    /// Rows ahead whose scores are prefetched while a binary `scores` output is copied.
    private static let prefetchDistance = 8

    private func header(_ json: inout JSONWriter, name: StaticString, datatype: StaticString, shape: [Int]) {
        json.raw("{\"name\":\"")
        json.raw(name)
        json.raw("\",\"datatype\":\"")
        json.raw(datatype)
        json.raw("\",\"shape\":")
        json.array(shape) { $0.int($1) }
    }

    /// Elements of an output, all rows in request order.
    private func elementCount(_ kind: Kind, _ model: ServedModel) -> Int {
        switch kind {
        case .scores: nodeIDs.count * model.classes
        case .predictions: nodeIDs.count
        case .topK(let k): nodeIDs.count * k
        }
    }

    /// Passes the classes of a `predictions` or `top_k` output to `body`, all rows in request order.
    private func forEachClass(_ kind: Kind, _ model: ServedModel, _ body: (Int) -> Void) {
        let k: Int
        switch kind {
        case .scores: return
        case .predictions: k = 1
        case .topK(let count): k = count
        }
        for node in nodeIDs {
            for value in classes(of: node, in: model, k: k) { body(value) }
        }
    }

    /// A node's row of the `scores` output: its raw outputs, or their probabilities.
    private func scores(of node: Int, _ kind: PredictionWriter.ScoreKind, _ model: ServedModel) -> ArraySlice<Float> {
        let row = model.logits(ofNode: node)
        return kind == .probs ? Scores.probabilities(row, task: model.task)[...] : row
    }

    /// The `k` highest-scoring classes of a node, ranked as `predict`'s text output ranks them: by
    /// probability, ties by lower class index.
    private func classes(of node: Int, in model: ServedModel, k: Int) -> [Int] {
        Scores.topK(Scores.probabilities(model.logits(ofNode: node), task: model.task), k).map(\.0)
    }
}

extension InferenceQuery.Kind {
    /// Bytes of one element as binary tensor data: FP32 scores, INT64 classes.
    var elementBytes: Int {
        if case .scores = self { 4 } else { 8 }
    }

    /// Whether the output's `parameters` name its kind (`scores`) or its k (`top_k`).
    var hasParameter: Bool {
        if case .predictions = self { false } else { true }
    }
}

extension ByteBuffer {
    /// Appends `values` as little-endian float32, the binary tensor data extension's FP32 layout.
    mutating func writeLittleEndian(_ values: ArraySlice<Float>) {
        values.withUnsafeBufferPointer { source in
            _ = writeWithUnsafeMutableBytes(minimumWritableBytes: source.count * 4) { target in
                for (index, value) in source.enumerated() {
                    target.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: index * 4, as: UInt32.self)
                }
                return source.count * 4
            }
        }
    }
}

extension HTTPField.Name {
    /// The version of the model a response describes, on every response about one model.
    static let modelVersion = Self("GNN-Model-Version")!
    /// The binary tensor data extension's header: the length of the JSON that starts the body.
    static let inferenceHeaderContentLength = Self("Inference-Header-Content-Length")!
}
