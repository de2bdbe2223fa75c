import GNNModels
import HTTPTypes
import Hummingbird

extension InferenceQuery {
    /// The protocol's `$inference_response` for this query, read from `model`'s scores: the model's name
    /// and version, the request's id, and each output asked for with its shape, type and data. Scores and
    /// classes come from `Scores`, the functions `predict` writes its output with. Outputs asked for as
    /// binary carry `binary_data_size` instead of `data`, and their little-endian elements follow the JSON,
    /// whose length the `Inference-Header-Content-Length` header gives.
    func response(from model: ServedModel) -> Response {
        let batch = nodeIDs.count
        var json = JSONWriter(capacity: 256 + batch * (outputs.count + model.classes) * 12)
        var binary: [UInt8] = []
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
            case .scores(let kind):
                let values = nodeIDs.lazy.flatMap { node in
                    let row = model.logits(ofNode: node)
                    return kind == .probs ? Scores.probabilities(row, task: model.task) : Array(row)
                }
                write(&json, &binary, name: "scores", shape: [batch, model.classes], binary: output.binary,
                      parameters: { $0.raw("\"scores\":"); $0.string(kind.rawValue) },
                      floats: values)
            case .predictions:
                write(&json, &binary, name: "predictions", shape: [batch], binary: output.binary, parameters: nil,
                      ints: nodeIDs.lazy.map { classes(of: $0, in: model, k: 1)[0] })
            case .topK(let k):
                write(&json, &binary, name: "top_k", shape: [batch, k], binary: output.binary,
                      parameters: { $0.raw("\"top_k\":"); $0.int(k) },
                      ints: nodeIDs.lazy.flatMap { classes(of: $0, in: model, k: k) })
            }
        }
        json.raw("}")
        var headers: HTTPFields = [.modelVersion: model.version.description]
        guard !binary.isEmpty else { return json.response(headers: headers) }
        headers[.inferenceHeaderContentLength] = String(json.bytes.count)
        headers[.contentType] = "application/octet-stream"
        var body = ByteBuffer(bytes: json.bytes)
        body.writeBytes(binary)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    private func write<S: Sequence<Float>>(_ json: inout JSONWriter, _ binary: inout [UInt8], name: StaticString, shape: [Int],
                                           binary asBinary: Bool, parameters: ((inout JSONWriter) -> Void)?, floats: S) {
        header(&json, name: name, datatype: "FP32", shape: shape)
        finish(&json, &binary, binary: asBinary, parameters: parameters, elementBytes: 4, count: shape.reduce(1, *),
               text: { json in json.array(floats) { $0.float($1) } },
               bytes: { out in for value in floats { withUnsafeBytes(of: value.bitPattern.littleEndian) { out.append(contentsOf: $0) } } })
    }

    private func write<S: Sequence<Int>>(_ json: inout JSONWriter, _ binary: inout [UInt8], name: StaticString, shape: [Int],
                                         binary asBinary: Bool, parameters: ((inout JSONWriter) -> Void)?, ints: S) {
        header(&json, name: name, datatype: "INT64", shape: shape)
        finish(&json, &binary, binary: asBinary, parameters: parameters, elementBytes: 8, count: shape.reduce(1, *),
               text: { json in json.array(ints) { $0.int($1) } },
               bytes: { out in for value in ints { withUnsafeBytes(of: Int64(value).littleEndian) { out.append(contentsOf: $0) } } })
    }

    private func header(_ json: inout JSONWriter, name: StaticString, datatype: StaticString, shape: [Int]) {
        json.raw("{\"name\":\"")
        json.raw(name)
        json.raw("\",\"datatype\":\"")
        json.raw(datatype)
        json.raw("\",\"shape\":")
        json.array(shape) { $0.int($1) }
    }

    /// The output's parameters (with `binary_data_size` when binary) and its `data`, or its bytes appended
    /// to `binary`.
    private func finish(_ json: inout JSONWriter, _ binary: inout [UInt8], binary asBinary: Bool,
                        parameters: ((inout JSONWriter) -> Void)?, elementBytes: Int, count: Int,
                        text: (inout JSONWriter) -> Void, bytes: (inout [UInt8]) -> Void) {
        if parameters != nil || asBinary {
            json.raw(",\"parameters\":{")
            parameters?(&json)
            if asBinary {
                if parameters != nil { json.raw(",") }
                json.raw("\"binary_data_size\":")
                json.int(count * elementBytes)
            }
            json.raw("}")
        }
        if asBinary {
            bytes(&binary)
        } else {
            json.raw(",\"data\":")
            text(&json)
        }
        json.raw("}")
    }

    /// The `k` highest-scoring classes of a node, ranked as `predict`'s text output ranks them: by
    /// probability, ties by lower class index.
    private func classes(of node: Int, in model: ServedModel, k: Int) -> [Int] {
        Scores.topK(Scores.probabilities(model.logits(ofNode: node), task: model.task), k).map(\.0)
    }
}

extension HTTPField.Name {
    /// The version of the model a response describes, on every response about one model.
    static let modelVersion = Self("GNN-Model-Version")!
    /// The binary tensor data extension's header: the length of the JSON that starts the body.
    static let inferenceHeaderContentLength = Self("Inference-Header-Content-Length")!
}
