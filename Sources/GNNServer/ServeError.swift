import Hummingbird

/// A request the server refuses: the HTTP status and the message of the protocol's error body
/// `{"error": "..."}`.
struct ServeError: Error {
    let status: HTTPResponse.Status
    let message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// Messages quote what clients sent; a bound keeps a hostile request from making a huge response.
    static let messageLimit = 512

    /// The error as the protocol's error body, the message cut at `messageLimit` characters.
    var response: Response {
        var text = message
        if text.count > Self.messageLimit { text = String(text.prefix(Self.messageLimit)) + "…" }
        var json = JSONWriter()
        json.raw("{\"error\":")
        json.string(text)
        json.raw("}")
        return json.response(status: status)
    }
}
