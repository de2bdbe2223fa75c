import NIOCore
import NIOHTTPTypes

/// Closes a connection whose client takes longer than `deadline` to send one whole request, counted from
/// the connection's start or the end of its previous request.
///
/// The idle timeout alone does not bound this: every body chunk restarts it, so a client trickling a large
/// body a byte at a time could hold a connection (and its buffered body) for as long as it likes. Waiting
/// between requests stays the idle timeout's business, which is the shorter of the two by default.
final class RequestReadDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let deadline: TimeAmount
    private var scheduled: Scheduled<Void>?

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
        // The clock for the next request starts when this one has been read whole.
        if case .end = unwrapInboundIn(data) {
            cancel()
            start(context)
        }
        context.fireChannelRead(data)
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
