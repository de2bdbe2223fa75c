import GNNModels
import HTTPTypes
import Hummingbird

extension InferenceQuery {
    /// The protocol's `$inference_response` for this query, read from `model`'s scores: the model's name
    /// and version, the request's id, and each output asked for with its shape, type and data. Scores and
    /// classes come from `Scores`, the functions `predict` writes its output with.
    func response(from model: ServedModel) -> Response {
        let batch = nodeIDs.count
        var json = JSONWriter(capacity: 256 + batch * (outputs.count + model.classes) * 12)
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
            switch output {
            case .scores(let kind):
                json.raw("{\"name\":\"scores\",\"datatype\":\"FP32\",\"shape\":")
                json.array([batch, model.classes]) { $0.int($1) }
                json.raw(",\"parameters\":{\"scores\":")
                json.string(kind.rawValue)
                json.raw("},\"data\":[")
                var first = true
                for node in nodeIDs {
                    let row = model.logits(ofNode: node)
                    let values = kind == .probs ? Scores.probabilities(row, task: model.task) : Array(row)
                    for value in values {
                        if !first { json.raw(",") }
                        first = false
                        json.float(value)
                    }
                }
                json.raw("]}")
            case .predictions:
                json.raw("{\"name\":\"predictions\",\"datatype\":\"INT64\",\"shape\":")
                json.array([batch]) { $0.int($1) }
                json.raw(",\"data\":")
                json.array(nodeIDs) { json, node in json.int(classes(of: node, in: model, k: 1)[0]) }
                json.raw("}")
            case .topK(let k):
                json.raw("{\"name\":\"top_k\",\"datatype\":\"INT64\",\"shape\":")
                json.array([batch, k]) { $0.int($1) }
                json.raw(",\"parameters\":{\"top_k\":")
                json.int(k)
                json.raw("},\"data\":[")
                var first = true
                for node in nodeIDs {
                    for index in classes(of: node, in: model, k: k) {
                        if !first { json.raw(",") }
                        first = false
                        json.int(index)
                    }
                }
                json.raw("]}")
            }
        }
        json.raw("}")
        return json.response(headers: [.modelVersion: model.version.description])
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
}
