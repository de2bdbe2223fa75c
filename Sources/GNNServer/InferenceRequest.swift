import GNNModels
import NIOCore

/// An Open Inference Protocol inference request (`$inference_request`) as sent: one input `node_ids`
/// (INT64, shape [B]) and optionally the outputs wanted, each with its parameters. With the binary tensor
/// data extension an input's elements follow the JSON instead of being in `data`, and `binary_data`
/// (per output) or `binary_data_output` (request parameter) ask for outputs the same way.
/// `InferenceRequestParser` reads it from the body.
struct InferenceRequest {
    var id: String?
    var parameters: [String: ParameterValue]?
    var inputs: [Input]
    var outputs: [RequestedOutput]?

    struct Input {
        var name: String
        var shape: [Int]
        var datatype: String
        var parameters: [String: ParameterValue]?
        /// The elements, given flat or nested (the protocol allows both), flattened in row-major order.
        var data: [Int64]?
    }

    struct RequestedOutput {
        var name: String
        var parameters: [String: ParameterValue]?
    }

    /// The protocol's `$parameter` values: a string, a number or a boolean.
    enum ParameterValue: Equatable {
        case string(String)
        case number(Double)
        case bool(Bool)
    }

    /// Deepest nesting of `data` arrays accepted; deeper is refused rather than followed.
    static let maxDataDepth = 8
}

/// A checked inference request: the node ids and the outputs to write, in the order asked.
struct InferenceQuery {
    struct Output {
        var kind: Kind
        /// Whether the elements go after the JSON, little-endian (binary tensor data extension).
        var binary: Bool
    }

    enum Kind {
        /// `scores`: FP32 [B, K], raw outputs or probabilities (softmax, or sigmoid for multi-label).
        case scores(PredictionWriter.ScoreKind)
        /// `predictions`: INT64 [B], the highest-scoring class.
        case predictions
        /// `top_k`: INT64 [B, k], the k highest-scoring classes, highest first.
        case topK(Int)
    }

    var id: String?
    var nodeIDs: [Int]
    var outputs: [Output]

    /// The input tensor's name and type.
    static let inputName = "node_ids"
    static let inputType = "INT64"
    /// The outputs a model serves, in the order they are returned when a request names none.
    static let outputNames = ["scores", "predictions", "top_k"]

    /// Checks `request` against `model` and the server's batch limit; each refusal names what is wrong.
    /// `binary` holds the bytes after the JSON (binary tensor data extension), empty without it.
    init(_ request: InferenceRequest, binary: ByteBuffer, model: ServedModel, maxBatch: Int) throws {
        guard request.inputs.count == 1, let input = request.inputs.first else {
            throw ServeError(.badRequest, "expected exactly one input, \(Self.inputName); got \(request.inputs.count)")
        }
        guard input.name == Self.inputName else {
            throw ServeError(.badRequest, "unexpected input \"\(input.name)\"; this model takes \(Self.inputName)")
        }
        guard input.datatype == Self.inputType else {
            throw ServeError(.badRequest, "input \(Self.inputName) has datatype \(input.datatype); expected \(Self.inputType)")
        }
        guard input.shape.count == 1, input.shape[0] >= 0 else {
            throw ServeError(.badRequest, "input \(Self.inputName) has shape \(input.shape); expected [B], one dimension")
        }
        let batch = input.shape[0]
        guard batch <= maxBatch else {
            throw ServeError(.contentTooLarge, "batch of \(batch) nodes is above the server's --max-batch \(maxBatch)")
        }
        let values = try Self.values(of: input, batch: batch, binary: binary)
        guard values.count == batch else {
            throw ServeError(.badRequest, "input \(Self.inputName) has shape [\(batch)] but \(values.count) values")
        }
        let nodeCount = model.nodeCount
        if let bad = values.first(where: { $0 < 0 || $0 >= nodeCount }) {
            throw ServeError(.badRequest, "node id \(bad) is out of range: the graph has \(nodeCount) nodes (0..<\(nodeCount))")
        }
        id = request.id
        nodeIDs = values.map { Int($0) }
        var allBinary = false
        if case .bool(let value)? = request.parameters?["binary_data_output"] { allBinary = value }
        outputs = try (request.outputs ?? Self.outputNames.map { .init(name: $0) }).map {
            try Self.output($0, classes: model.classes, binaryByDefault: allBinary)
        }
    }

    /// The input's elements: its JSON `data`, or with `parameters.binary_data_size` the little-endian
    /// INT64 values that follow the JSON, which must be exactly that many bytes.
    private static func values(of input: InferenceRequest.Input, batch: Int, binary: ByteBuffer) throws -> [Int64] {
        if let data = input.data {
            guard binary.readableBytes == 0 else {
                throw ServeError(.badRequest, "\(binary.readableBytes) bytes follow the JSON but no input has binary_data_size")
            }
            return data
        }
        guard case .number(let size)? = input.parameters?["binary_data_size"] else {
            throw ServeError(.badRequest, "input \(inputName) has neither data nor parameters.binary_data_size")
        }
        guard size == Double(batch * 8), binary.readableBytes == batch * 8 else {
            throw ServeError(.badRequest, "input \(inputName) of shape [\(batch)] needs \(batch * 8) bytes of binary data; "
                + "binary_data_size is \(size) and \(binary.readableBytes) bytes follow the JSON")
        }
        return (0..<batch).map { binary.getInteger(at: binary.readerIndex + $0 * 8, endianness: .little, as: Int64.self)! }
    }

    private static func output(_ requested: InferenceRequest.RequestedOutput, classes: Int, binaryByDefault: Bool) throws -> Output {
        let parameters = requested.parameters ?? [:]
        var binary = binaryByDefault
        if case .bool(let value)? = parameters["binary_data"] { binary = value }
        return Output(kind: try kind(requested.name, parameters, classes: classes), binary: binary)
    }

    private static func kind(_ name: String, _ parameters: [String: InferenceRequest.ParameterValue], classes: Int) throws -> Kind {
        switch name {
        case "scores":
            switch parameters["scores"] {
            case nil: return .scores(.logits)
            case .string(let name)?:
                guard let kind = PredictionWriter.ScoreKind(rawValue: name) else { fallthrough }
                return .scores(kind)
            default:
                throw ServeError(.badRequest, "output scores: parameter scores must be \"logits\" or \"probs\"")
            }
        case "predictions":
            return .predictions
        case "top_k":
            switch parameters["top_k"] {
            case nil: return .topK(1)
            case .number(let k)? where k == k.rounded() && k >= 1 && k <= Double(classes):
                return .topK(Int(k))
            default:
                throw ServeError(.badRequest, "output top_k: parameter top_k must be an integer from 1 to \(classes) (the model's classes)")
            }
        default:
            throw ServeError(.badRequest, "unknown output \"\(name)\"; this model has \(outputNames.joined(separator: ", "))")
        }
    }
}
