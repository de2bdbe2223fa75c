#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Hummingbird
import Logging
import NIOCore

// hb-baseline PORT BODY_FILE
//
// Hummingbird 2's hello world for bench/serve: two routes and nothing else.
//   POST /v2/models/:name/infer  collects the request body (as gnn-serve does, up to its default --max-body)
//                                and answers 200 with BODY_FILE's bytes as application/json;
//   GET  /v2/health/ready        answers 200 with an empty body.
// The application is configured as gnn-serve's: HTTP/1.1 with a 30 s idle timeout, a server name, the
// default event loop group (one thread per core). No middleware, no metrics; logs go nowhere.
let arguments = CommandLine.arguments
guard arguments.count == 3, let port = Int(arguments[1]) else {
    fatalError("usage: hb-baseline PORT BODY_FILE")
}
let bodyBytes = try FileBytes.read(arguments[2])
let body = ByteBuffer(bytes: bodyBytes)
let maxBody = 16 << 20

let router = Router(context: BasicRequestContext.self)
router.post("/v2/models/:name/infer") { request, _ in
    _ = try await request.body.collect(upTo: maxBody)
    return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: body))
}
router.get("/v2/health/ready") { _, _ in
    Response(status: .ok)
}

LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
let app = Application(
    router: router,
    server: .http1(configuration: .init(idleTimeout: .seconds(30))),
    configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "gnn-serve"),
    logger: Logger(label: "hb-baseline"))
try await app.runService()

/// A whole file's bytes, without Foundation.
enum FileBytes {
    static func read(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw ReadError(path: path) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes += chunk[..<count]
        }
        return bytes
    }

    struct ReadError: Error { var path: String }
}
