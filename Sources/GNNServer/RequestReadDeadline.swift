import NIOCore
import NIOHTTPTypes

/// Closes a connection whose client takes longer than `deadline` to send a whole request. The clock runs
/// only while the server owes nothing: from the connection's start, or from the end of the last response
/// it owed, to the end of the next request. While a request is being answered (a `load` may recompute
/// scores for minutes) it stands still, and a request that starts arriving then gets a clock of its own.
///
/// The idle timeout alone does not bound this: every body chunk restarts it, so a client trickling a large
/// body a byte at a time could hold a connection (and its buffered body) for as long as it likes. Waiting
/// between requests stays the idle timeout's business, which is the shorter of the two by default.
final class RequestReadDeadline: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let deadline: TimeAmount
    private var scheduled: Scheduled<Void>?
    /// Requests read whole whose responses have not ended.
    private var owed = 0

    init(deadline: TimeAmount) {
        self.deadline = deadline
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancel()
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: start(context)  // no-op unless a response is owed: a pipelined request is timed too
        case .body: break
        case .end:
            cancel()
            owed += 1
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            owed = max(0, owed - 1)
            if owed == 0 { start(context) }
        }
        context.write(data, promise: promise)
    }

    private func start(_ context: ChannelHandlerContext) {
        guard scheduled == nil else { return }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        scheduled = context.eventLoop.scheduleTask(in: deadline) { [weak self] in
            self?.scheduled = nil
            loopBound.value.close(promise: nil)
        }
    }

    private func cancel() {
        scheduled?.cancel()
        scheduled = nil
    }
}
