import Logging

/// Standard-error logging (`StreamLogHandler`) that holds a logger's metadata itself and hands it over
/// only with a message.
///
/// `StreamLogHandler` renders its metadata to text whenever metadata is set. Hummingbird sets a request id
/// on every request's logger, so the server paid for that rendering on every request (a few per cent of
/// its CPU under load) although almost no request logs anything. Lines come out as `StreamLogHandler`
/// writes them.
struct DeferredMetadataLogHandler: LogHandler {
    private var stream: StreamLogHandler
    var metadata: Logger.Metadata = [:]

    init(label: String, level: Logger.Level) {
        stream = .standardError(label: label)
        stream.logLevel = level
    }

    var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        event.metadata = metadata.merging(event.metadata ?? [:]) { _, explicit in explicit }
        stream.log(event: event)
    }
}
