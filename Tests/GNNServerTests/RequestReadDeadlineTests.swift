import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import XCTest
@testable import GNNServer

/// `RequestReadDeadline` on an embedded channel with a virtual clock: when the clock runs, and when not.
final class RequestReadDeadlineTests: XCTestCase {
    private let request = HTTPRequest(method: .post, scheme: nil, authority: "x", path: "/v2/models/m/infer")

    /// An active channel with the handler and a 10 s deadline, on `loop`.
    private func channel(_ loop: EmbeddedEventLoop) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: RequestReadDeadline(deadline: .seconds(10)), loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8000)).wait()
        return channel
    }

    func testARequestTrickledPastTheDeadlineIsCutOff() throws {
        let loop = EmbeddedEventLoop()
        let channel = try channel(loop)
        try channel.writeInbound(HTTPRequestPart.head(request))
        for _ in 0..<9 {
            loop.advanceTime(by: .seconds(1))
            try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "x")))
        }
        loop.advanceTime(by: .milliseconds(999))
        XCTAssertTrue(channel.isActive, "closed before its deadline")
        loop.advanceTime(by: .milliseconds(1))
        XCTAssertFalse(channel.isActive, "a body chunk every second kept the connection past 10 s")
    }

    func testTheClockStandsStillWhileAResponseIsOwedAndRestartsAfterIt() throws {
        let loop = EmbeddedEventLoop()
        let channel = try channel(loop)
        loop.advanceTime(by: .seconds(5))
        try channel.writeInbound(HTTPRequestPart.head(request))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        loop.advanceTime(by: .seconds(300))  // a load recomputing scores
        XCTAssertTrue(channel.isActive, "cut off while the server was answering")
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        loop.advanceTime(by: .milliseconds(9_999))
        XCTAssertTrue(channel.isActive)
        loop.advanceTime(by: .milliseconds(1))
        XCTAssertFalse(channel.isActive, "no request within 10 s of the last response")
    }

    func testAPipelinedRequestIsTimedWhileAnEarlierResponseIsOwed() throws {
        let loop = EmbeddedEventLoop()
        let channel = try channel(loop)
        try channel.writeInbound(HTTPRequestPart.head(request))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        loop.advanceTime(by: .seconds(60))
        try channel.writeInbound(HTTPRequestPart.head(request))
        loop.advanceTime(by: .seconds(10))
        XCTAssertFalse(channel.isActive, "a request started while another was answered was never timed")
    }
}
