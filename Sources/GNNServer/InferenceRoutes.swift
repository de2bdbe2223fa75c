import Foundation
import GNNFormats
import HTTPTypes
import Hummingbird
import NIOCore

/// The Open Inference Protocol's REST routes (KServe v2: health, server and model metadata, model
/// readiness, inference), its model repository extension, and `GET /metrics`, over one `ModelRegistry`.
struct InferenceRoutes: Sendable {
    let registry: ModelRegistry
    let metrics: ServerMetrics
    let limits: ServerLimits

    /// The server metadata's extensions: the repository routes below.
    static let extensions = ["model_repository", "binary_tensor_data"]
    /// The model metadata's platform, in the protocol's `<project>_<format>` form.
    static let platform = "gnnserve_gnnz"

    /// One route: its method and its path in the router's syntax (`:name` for a parameter).
    struct Route: Equatable {
        var method: HTTPRequest.Method
        var path: String
    }

    /// Adds the routes to `router` and returns them (the OpenAPI document is checked against this list).
    @discardableResult
    func add(to router: Router<BasicRequestContext>) -> [Route] {
        var routes: [Route] = []
        func on(_ method: HTTPRequest.Method, _ path: String,
                _ handler: @escaping @Sendable (Request, BasicRequestContext) async throws -> Response) {
            router.on(RouterPath(path), method: method, use: handler)
            routes.append(Route(method: method, path: path))
        }
        on(.get, "/v2/health/live") { _, _ in Self.object { $0.raw("\"live\":true") } }
        on(.get, "/v2/health/ready") { _, _ in
            let ready = registry.allReady
            return Self.object(status: ready ? .ok : .badRequest) { $0.raw("\"ready\":"); $0.bool(ready) }
        }
        on(.get, "/v2") { _, _ in
            Self.object {
                $0.raw("\"name\":\"gnn-serve\",\"version\":")
                $0.string(GNNVersion.current)
                $0.raw(",\"extensions\":")
                $0.array(Self.extensions) { $0.string($1) }
            }
        }
        for prefix in ["/v2/models/:name", "/v2/models/:name/versions/:version"] {
            on(.get, prefix) { _, context in try metadata(try model(context)) }
            on(.get, prefix + "/ready") { _, context in try ready(context) }
            on(.post, prefix + "/infer") { request, context in try await infer(request, context) }
        }
        on(.post, "/v2/repository/index") { request, _ in try await index(request) }
        on(.post, "/v2/repository/models/:name/load") { _, context in
            let served = try await registry.load(try context.parameters.require("name"))
            return Self.object(headers: [.modelVersion: served.version.description]) {
                $0.raw("\"name\":")
                $0.string(served.source.name)
                $0.raw(",\"version\":")
                $0.string(served.version.description)
            }
        }
        on(.post, "/v2/repository/models/:name/unload") { _, context in
            try registry.unload(try context.parameters.require("name"))
            return Self.object { _ in }
        }
        on(.get, "/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition(served: registry.servedModels()))))
        }
        return routes
    }

    /// The served version a model route names: the current one, which a `/versions/{v}` path must match.
    private func model(_ context: BasicRequestContext) throws -> ServedModel {
        let served = try registry.served(try context.parameters.require("name"))
        if let version = context.parameters.get("version"), version != served.version.description {
            throw ServeError(.notFound, "model \"\(served.source.name)\" has no version \(version); it serves \(served.version)")
        }
        return served
    }

    /// `$metadata_model_response`: the input `node_ids` and the three outputs, with their shapes
    /// (-1: the batch, and k for top_k).
    private func metadata(_ served: ServedModel) throws -> Response {
        Self.object(headers: [.modelVersion: served.version.description]) { json in
            json.raw("\"name\":")
            json.string(served.source.name)
            json.raw(",\"versions\":")
            json.array([served.version.description]) { $0.string($1) }
            json.raw(",\"platform\":")
            json.string(Self.platform)
            json.raw(",\"inputs\":[{\"name\":\"node_ids\",\"datatype\":\"INT64\",\"shape\":[-1]}],\"outputs\":[")
            json.raw("{\"name\":\"scores\",\"datatype\":\"FP32\",\"shape\":[-1,")
            json.int(served.classes)
            json.raw("]},{\"name\":\"predictions\",\"datatype\":\"INT64\",\"shape\":[-1]},")
            json.raw("{\"name\":\"top_k\",\"datatype\":\"INT64\",\"shape\":[-1,-1]}]")
        }
    }

    /// `$ready_model_response`; the status says it too (200 ready, 400 not), as the protocol's
    /// readiness probes read it. Unknown models get 404.
    private func ready(_ context: BasicRequestContext) throws -> Response {
        let name = try context.parameters.require("name")
        let (known, served) = registry.readiness(name)
        guard known else { throw ServeError(.notFound, "unknown model \"\(name)\"") }
        var isReady = served != nil
        if let served, let version = context.parameters.get("version"), version != served.version.description {
            isReady = false
        }
        return Self.object(status: isReady ? .ok : .badRequest,
                           headers: served.map { [.modelVersion: $0.version.description] } ?? [:]) {
            $0.raw("\"name\":")
            $0.string(name)
            $0.raw(",\"ready\":")
            $0.bool(isReady)
        }
    }

    private func infer(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let served = try model(context)
        var body = try await collect(request)
        // The binary tensor data extension: the JSON is the body's first N bytes, tensor bytes follow.
        var json = body
        if let header = request.headers[.inferenceHeaderContentLength] {
            guard let length = Int(header), length >= 0, length <= body.readableBytes else {
                throw ServeError(.badRequest, "Inference-Header-Content-Length \(header.prefix(32)) is not a length within the \(body.readableBytes)-byte body")
            }
            json = body.readSlice(length: length)!
        } else {
            body.moveReaderIndex(forwardBy: body.readableBytes)
        }
        return try InferenceQuery(InferenceRequest(parsing: json), binary: body, model: served, maxBatch: limits.maxBatch)
            .response(from: served)
    }

    /// `POST /v2/repository/index`: every model with its version and state; `{"ready": true}` lists only
    /// the ready ones.
    private func index(_ request: Request) async throws -> Response {
        struct IndexRequest: Decodable { var ready: Bool? }
        let body = try await collect(request)
        let onlyReady = body.readableBytes == 0 ? false : (try Self.decode(IndexRequest.self, from: body).ready ?? false)
        var json = JSONWriter()
        json.array(registry.index().filter { !onlyReady || $0.state == .ready }) { json, entry in
            json.raw("{\"name\":")
            json.string(entry.name)
            if let version = entry.version {
                json.raw(",\"version\":")
                json.string(version)
            }
            json.raw(",\"state\":")
            json.string(entry.state.rawValue)
            json.raw(",\"reason\":")
            json.string(entry.reason)
            json.raw("}")
        }
        return json.response()
    }

    /// The request's body, refused with 413 when longer than `--max-body`.
    private func collect(_ request: Request) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limits.maxBody)
        } catch is NIOTooManyBytesError {
            throw ServeError(.contentTooLarge, "the request body is larger than the server's --max-body \(limits.maxBody) bytes")
        }
    }

    /// A JSON object response whose members `members` writes.
    private static func object(status: HTTPResponse.Status = .ok, headers: HTTPFields = [:],
                               _ members: (inout JSONWriter) -> Void) -> Response {
        var json = JSONWriter()
        json.raw("{")
        members(&json)
        json.raw("}")
        return json.response(status: status, headers: headers)
    }

    /// Decodes a JSON body; a malformed one is a 400 saying where it went wrong.
    private static func decode<T: Decodable>(_ type: T.Type, from body: ByteBuffer) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(body.readableBytesView))
        } catch let error as ServeError {
            throw error
        } catch let error as DecodingError {
            throw ServeError(.badRequest, "malformed request body: " + describe(error))
        } catch {
            throw ServeError(.badRequest, "malformed request body")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, _ last: (any CodingKey)? = nil) -> String {
            let keys = context.codingPath + (last.map { [$0] } ?? [])
            return keys.isEmpty ? "the body" : keys.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
        }
        switch error {
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context): return "\(path(context, key)) is missing"
        case .typeMismatch(let type, let context): return "\(path(context)) is not of type \(type)"
        case .valueNotFound(let type, let context): return "\(path(context)) is null, expected \(type)"
        @unknown default: return "\(error)"
        }
    }
}
