import HTTPTypes
import Hummingbird

/// `--token`: every route but the health probes requires `Authorization: Bearer TOKEN` (401 otherwise),
/// so that orchestrators can probe without the secret.
struct BearerTokenCheck: RouterMiddleware {
    let expected: [UInt8]

    init(token: String) {
        expected = Array("Bearer \(token)".utf8)
    }

    func handle(_ request: Request, context: BasicRequestContext,
                next: (Request, BasicRequestContext) async throws -> Response) async throws -> Response {
        if request.uri.path.hasPrefix("/v2/health/") || matches(request.headers[.authorization]) {
            return try await next(request, context)
        }
        var response = ServeError(.unauthorized, "missing or wrong bearer token (Authorization: Bearer ...)").response
        response.headers[.wwwAuthenticate] = "Bearer"
        return response
    }

    /// Compares in time independent of where the first difference is, so the token cannot be guessed
    /// byte by byte from response times.
    private func matches(_ header: String?) -> Bool {
        guard let header else { return false }
        let given = Array(header.utf8)
        guard given.count == expected.count else { return false }
        return zip(given, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
