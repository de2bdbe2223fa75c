import Hummingbird

/// The outermost middleware: answers every failure with the protocol's `{"error": "..."}` body and
/// status (a handler's `ServeError`, or the router's `HTTPError`: unknown path 404), and counts and
/// times every request by route template and status.
struct RequestAccounting: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: BasicRequestContext,
                next: (Request, BasicRequestContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as ServeError {
            response = error.response
        } catch let error as HTTPError {
            response = ServeError(error.status, error.body ?? error.status.reasonPhrase).response
        } catch let error as any HTTPResponseError {
            response = ServeError(error.status, error.status.reasonPhrase).response
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            response = ServeError(.internalServerError, "internal error").response
        }
        // The router names unmatched paths "NotFound".
        metrics.recordRequest(route: context.endpointPath ?? "NotFound", status: response.status.code,
                              duration: ContinuousClock.now - start)
        return response
    }
}
