import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// A `gnn-serve serve` process on a free loopback port, and an HTTP client for it. The log goes to a file
/// the tests read; `stop()` sends SIGTERM and waits for the exit, bounded in time.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let logPath = NSTemporaryDirectory() + "serve-\(UUID().uuidString).log"
    private(set) var port = 0
    let session: URLSession

    struct Reply {
        var status: Int
        var body: Data
        var headers: [AnyHashable: Any]
        var json: Any? { try? JSONSerialization.jsonObject(with: body) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Starts the server with `arguments` after `serve --port 0 --log-level info`, and waits (at most
    /// `timeout` seconds) until it listens; with `ready`, also until /v2/health/ready says so.
    init(_ arguments: [String], ready: Bool = true, timeout: Double = 60) async throws {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        session = URLSession(configuration: configuration)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: CommandLineTests.executable)
        process.arguments = ["serve", "--port", "0", "--log-level", "info"] + arguments
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while port == 0 {
            if let line = log.split(separator: "\n").first(where: { $0.contains("serving") }),
               let range = line.range(of: "port=") {
                port = Int(line[range.upperBound...].prefix { $0.isNumber }) ?? 0
            }
            guard process.isRunning, Date() < deadline else {
                throw ServerFailure(message: "the server did not start: \(log)")
            }
            if port == 0 { try await Task.sleep(for: .milliseconds(20)) }
        }
        while ready, try await get("/v2/health/ready").status != 200 {
            guard process.isRunning, Date() < deadline else { throw ServerFailure(message: "not ready: \(log)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    struct ServerFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> Reply {
        try await send("GET", path, body: nil, headers: headers)
    }

    func post(_ path: String, json: Any, headers: [String: String] = [:]) async throws -> Reply {
        try await send("POST", path, body: try JSONSerialization.data(withJSONObject: json), headers: headers)
    }

    func send(_ method: String, _ path: String, body: Data?, headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        return Reply(status: http.statusCode, body: data, headers: http.allHeaderFields)
    }

    /// An inference request for `ids` asking for `outputs` (name → parameters).
    func infer(_ model: String, _ ids: [Int], outputs: [(String, [String: Any])]? = nil, path: String? = nil) async throws -> Reply {
        var body: [String: Any] = ["inputs": [["name": "node_ids", "datatype": "INT64", "shape": [ids.count], "data": ids]]]
        if let outputs { body["outputs"] = outputs.map { ["name": $0.0, "parameters": $0.1] } }
        return try await post(path ?? "/v2/models/\(model)/infer", json: body)
    }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// SIGTERM, then the exit status (at most `timeout` seconds later; then SIGKILL and a failure).
    @discardableResult
    func stop(timeout: Double = 20) async throws -> Int32 {
        if process.isRunning { signal(SIGTERM) }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                signal(SIGKILL)
                throw ServerFailure(message: "the server did not stop within \(timeout) s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        session.invalidateAndCancel()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        unlink(logPath)
    }
}

/// A raw TCP connection to 127.0.0.1, for clients no HTTP library would be: ones that stall mid-request.
final class LoopbackSocket {
    private let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else { throw ServerProcess.ServerFailure(message: "connect failed: errno \(errno)") }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        // MSG_NOSIGNAL: a server that has closed the connection is an error here, not a SIGPIPE for the tests.
        guard Glibc.send(descriptor, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else {
            throw ServerProcess.ServerFailure(message: "write failed: errno \(errno)")
        }
    }

    /// Whether the server closes the connection (a read returns end of file or an error) within `timeout` seconds.
    func waitForClose(timeout: Double) -> Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            if poll(&poller, 1, 100) > 0 {
                let count = read(descriptor, &buffer, buffer.count)
                if count <= 0 { return true }
            }
        }
        return false
    }

    deinit { close(descriptor) }
}
