import Foundation
import TestSupport
import XCTest

/// `gnn-serve serve` as clients meet it: a real server on a loopback port, spoken to over HTTP.
final class ServeCommandTests: XCTestCase {
    static let samples = CommandLineTests.repository + "/samples"
    static let model = samples + "/revsage.gnnz"
    static let graph = samples + "/csbm.bin"

    private func temporary(_ name: String) -> String {
        NSTemporaryDirectory() + "serve-\(UUID().uuidString)-\(name)"
    }

    /// The float32 rows `predict` writes for `nodes` (`.npy`, logits or probs), as bit patterns.
    private func predicted(_ model: String, nodes: [Int], scores: String = "logits", options: [String] = []) throws -> [UInt32] {
        let output = temporary("p.npy")
        let result = try CommandLineTests.run(["predict", "--model", model, Self.graph, "--nodes",
                                               nodes.map(String.init).joined(separator: ","), "--scores", scores, "-o", output] + options)
        XCTAssertEqual(result.status, 0, result.stderr)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: output))
        let start = 10 + Int(bytes[8]) + Int(bytes[9]) << 8
        return stride(from: start, to: bytes.count, by: 4).map { offset in
            bytes[offset..<offset + 4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        }
    }

    /// The scores of an inference reply as float32 bit patterns (JSON numbers read back as Float).
    private static func scoreBits(_ reply: ServerProcess.Reply, output: String = "scores") -> [UInt32] {
        let outputs = reply.object["outputs"] as? [[String: Any]] ?? []
        let data = outputs.first { $0["name"] as? String == output }?["data"] as? [Any] ?? []
        return data.map { Float(($0 as! NSNumber).doubleValue).bitPattern }
    }

    private static func ints(_ reply: ServerProcess.Reply, output: String) -> [Int] {
        let outputs = reply.object["outputs"] as? [[String: Any]] ?? []
        return (outputs.first { $0["name"] as? String == output }?["data"] as? [Any] ?? []).map { ($0 as! NSNumber).intValue }
    }

    func testRoutesAnswerAsTheProtocolSays() async throws {
        let server = try await ServerProcess(["--model", Self.model, Self.graph])
        let live = try await server.get("/v2/health/live")
        XCTAssertEqual(live.status, 200)
        XCTAssertEqual(live.object["live"] as? Bool, true)
        let answer1 = try await server.get("/v2/health/ready").object["ready"] as? Bool
        XCTAssertEqual(answer1, true)
        let metadata = try await server.get("/v2")
        XCTAssertEqual(metadata.object["name"] as? String, "gnn-serve")
        XCTAssertEqual(metadata.object["extensions"] as? [String], ["model_repository", "binary_tensor_data"])

        let model = try await server.get("/v2/models/revsage")
        XCTAssertEqual(model.status, 200, model.text)
        XCTAssertEqual(model.object["name"] as? String, "revsage")
        let version = try XCTUnwrap((model.object["versions"] as? [String])?.first)
        XCTAssertTrue(version.hasPrefix("1-"), version)
        XCTAssertEqual(model.headers["GNN-Model-Version"] as? String ?? model.headers["Gnn-Model-Version"] as? String, version)
        let inputs = try XCTUnwrap(model.object["inputs"] as? [[String: Any]])
        XCTAssertEqual(inputs.first?["name"] as? String, "node_ids")
        XCTAssertEqual(inputs.first?["datatype"] as? String, "INT64")
        let outputs = try XCTUnwrap(model.object["outputs"] as? [[String: Any]])
        XCTAssertEqual(outputs.map { $0["name"] as? String }, ["scores", "predictions", "top_k"])
        XCTAssertEqual(outputs.first?["shape"] as? [Int], [-1, 4])
        let answer2 = try await server.get("/v2/models/revsage/versions/\(version)").status
        XCTAssertEqual(answer2, 200)
        let wrongVersion = try await server.get("/v2/models/revsage/versions/7-x")
        XCTAssertEqual(wrongVersion.status, 404)
        XCTAssertTrue((wrongVersion.object["error"] as? String ?? "").contains("no version 7-x"), wrongVersion.text)

        let ready = try await server.get("/v2/models/revsage/ready")
        XCTAssertEqual(ready.status, 200)
        XCTAssertEqual(ready.object["ready"] as? Bool, true)
        let answer3 = try await server.get("/v2/models/revsage/versions/\(version)/ready").status
        XCTAssertEqual(answer3, 200)
        for path in ["/v2/models/nope", "/v2/models/nope/ready", "/v2/nothing/here"] {
            let reply = try await server.get(path)
            XCTAssertEqual(reply.status, 404, path)
            XCTAssertNotNil(reply.object["error"] as? String, path)
        }
        let answer4 = try await server.infer("nope", [1]).status
        XCTAssertEqual(answer4, 404)

        let index = try await server.post("/v2/repository/index", json: [String: Any]())
        let entries = try XCTUnwrap(index.json as? [[String: Any]])
        XCTAssertEqual(entries.count, 1)
        XCTAssertEqual(entries.first?["name"] as? String, "revsage")
        XCTAssertEqual(entries.first?["state"] as? String, "READY")
        XCTAssertEqual(entries.first?["version"] as? String, version)

        let metrics = try await server.get("/metrics")
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.text.contains(#"gnn_serve_requests_total{route="/v2/models/{name}",status="200"} 1"#), metrics.text)
        XCTAssertTrue(metrics.text.contains(#"gnn_serve_requests_total{route="/v2/models/{name}/infer",status="404"} 1"#), metrics.text)
        XCTAssertTrue(metrics.text.contains(#"gnn_serve_requests_total{route="NotFound",status="404"} 1"#), metrics.text)
        XCTAssertTrue(metrics.text.contains("gnn_serve_request_duration_seconds_bucket"), metrics.text)
        XCTAssertTrue(metrics.text.contains(#"gnn_serve_forward_seconds{model="revsage"}"#), metrics.text)
        XCTAssertTrue(metrics.text.contains(#"gnn_serve_scores_age_seconds{model="revsage"}"#), metrics.text)
        XCTAssertTrue(metrics.text.contains("gnn_serve_peak_rss_bytes "), metrics.text)
        let answer5 = try await server.stop()
        XCTAssertEqual(answer5, 0)
        XCTAssertTrue(server.log.contains("forward pass"), server.log)
    }

    /// The server's scores are `predict`'s, bit for bit: logits, probabilities, and the classes ranked.
    func testInferenceEqualsPredictBitForBit() async throws {
        let server = try await ServerProcess(["--model", Self.model, Self.graph, "--name", "m"])
        let nodes = [5, 3, 0, 599, 3]
        let logits = try await server.infer("m", nodes, outputs: [("scores", ["scores": "logits"])])
        XCTAssertEqual(logits.status, 200, logits.text)
        XCTAssertEqual(logits.object["model_name"] as? String, "m")
        XCTAssertNotNil(logits.object["model_version"] as? String)
        let scores = (logits.object["outputs"] as? [[String: Any]])?.first
        XCTAssertEqual(scores?["shape"] as? [Int], [5, 4])
        XCTAssertEqual(scores?["datatype"] as? String, "FP32")
        XCTAssertEqual(Self.scoreBits(logits), try predicted(Self.model, nodes: nodes))
        let probs = try await server.infer("m", nodes, outputs: [("scores", ["scores": "probs"])])
        XCTAssertEqual(Self.scoreBits(probs), try predicted(Self.model, nodes: nodes, scores: "probs"))

        // The binary tensor data extension: node ids after the JSON, scores and predictions after the reply's.
        let header = #"{"inputs":[{"name":"node_ids","datatype":"INT64","shape":[5],"parameters":{"binary_data_size":40}}],"#
            + #""outputs":[{"name":"scores","parameters":{"binary_data":true}},{"name":"predictions","parameters":{"binary_data":true}}]}"#
        var body = Data(header.utf8)
        for node in nodes { withUnsafeBytes(of: Int64(node).littleEndian) { body.append(contentsOf: $0) } }
        let binary = try await server.send("POST", "/v2/models/m/infer", body: body,
                                           headers: ["Inference-Header-Content-Length": String(header.utf8.count)])
        XCTAssertEqual(binary.status, 200, binary.text)
        let jsonLength = try XCTUnwrap(Int(binary.headers["Inference-Header-Content-Length"] as? String ?? ""))
        let reply = try XCTUnwrap(try JSONSerialization.jsonObject(with: binary.body.prefix(jsonLength)) as? [String: Any])
        let sizes = (reply["outputs"] as? [[String: Any]] ?? []).map { ($0["parameters"] as? [String: Any])?["binary_data_size"] as? Int }
        XCTAssertEqual(sizes, [nodes.count * 4 * 4, nodes.count * 8])
        let tail = Array(binary.body.dropFirst(jsonLength))
        XCTAssertEqual(tail.count, nodes.count * 4 * 4 + nodes.count * 8)
        let bits = stride(from: 0, to: nodes.count * 16, by: 4).map { offset in
            tail[offset..<offset + 4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        }
        XCTAssertEqual(bits, try predicted(Self.model, nodes: nodes))

        let all = try await server.post("/v2/models/m/infer", json: [
            "id": "r-1",
            "inputs": [["name": "node_ids", "datatype": "INT64", "shape": [2], "data": [[5], [3]]]],
        ] as [String: Any])
        XCTAssertEqual(all.status, 200, all.text)
        XCTAssertEqual(all.object["id"] as? String, "r-1")
        XCTAssertEqual((all.object["outputs"] as? [[String: Any]])?.map { $0["name"] as? String }, ["scores", "predictions", "top_k"])
        // predict's CSV ranks classes the same way: node,prediction,class_1,prob_1,class_2,prob_2.
        let csv = try CommandLineTests.run(["predict", "--model", Self.model, Self.graph, "--nodes", "5,3", "--top-k", "2"])
        let rows = csv.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        XCTAssertEqual(Self.ints(all, output: "predictions"), rows.map { Int($0[1])! })
        let top = try await server.infer("m", [5, 3], outputs: [("top_k", ["top_k": 2])])
        XCTAssertEqual(Self.ints(top, output: "top_k"), rows.flatMap { [Int($0[2])!, Int($0[4])!] })
        XCTAssertEqual((top.object["outputs"] as? [[String: Any]])?.first?["shape"] as? [Int], [2, 2])
        let answer6 = try await server.stop()
        XCTAssertEqual(answer6, 0)
    }

    /// `serve --state-dtype` and a model file's recommended state dtype decide the stored state as they
    /// do for `predict`: the scores equal `predict`'s with the same state, bit for bit.
    func testStateDTypeIsHonouredAsPredictHonoursIt() async throws {
        let nodes = [5, 3, 0, 599]
        let server = try await ServerProcess(["--model", Self.model, Self.graph, "--name", "m", "--state-dtype", "f16"])
        let f16 = try await server.infer("m", nodes, outputs: [("scores", ["scores": "logits"])])
        XCTAssertEqual(Self.scoreBits(f16), try predicted(Self.model, nodes: nodes, options: ["--state-dtype", "f16"]))
        XCTAssertNotEqual(Self.scoreBits(f16), try predicted(Self.model, nodes: nodes))
        let stopped = try await server.stop()
        XCTAssertEqual(stopped, 0)

        let recommending = temporary("bf16.gnnz")
        let export = try CommandLineTests.Result.from(PredictCommandTests.exporter, [
            "--weights", Self.samples + "/revsage.safetensors", "--arch", Self.samples + "/revsage.arch.json", "-o", recommending,
            "--state-dtype", "bf16",
        ])
        XCTAssertEqual(export.status, 0, export.stderr)
        let following = try await ServerProcess(["--model", recommending, Self.graph, "--name", "m"])
        let bf16 = try await following.infer("m", nodes, outputs: [("scores", ["scores": "logits"])])
        XCTAssertEqual(Self.scoreBits(bf16), try predicted(Self.model, nodes: nodes, options: ["--state-dtype", "bf16"]))
        let stoppedAgain = try await following.stop()
        XCTAssertEqual(stoppedAgain, 0)
    }

    func testBadRequestsGetTheirStatusAndNeverHurtTheServer() async throws {
        let server = try await ServerProcess(["--model", Self.model, Self.graph, "--max-batch", "100", "--max-body", "20000"])
        let path = "/v2/models/revsage/infer"
        func expect(_ reply: ServerProcess.Reply, _ status: Int, _ fragment: String, line: UInt = #line) {
            XCTAssertEqual(reply.status, status, reply.text, line: line)
            let message = reply.object["error"] as? String ?? ""
            XCTAssertTrue(fragment.isEmpty ? !message.isEmpty : message.contains(fragment), "\(message) lacks \(fragment)", line: line)
            XCTAssertLessThanOrEqual(message.count, 520, line: line)
        }
        expect(try await server.send("POST", path, body: Data("{\"inputs\": [".utf8)), 400, "malformed request body")
        expect(try await server.send("POST", path, body: Data("[]".utf8)), 400, "malformed request body")
        expect(try await server.post(path, json: ["inputs": [["name": "node_ids", "datatype": "FP32", "shape": [1], "data": [1]]]]),
               400, "datatype FP32")
        expect(try await server.post(path, json: ["inputs": [["name": "node_ids", "datatype": "INT64", "shape": [1, 1], "data": [1]]]]),
               400, "expected [B]")
        expect(try await server.post(path, json: ["inputs": [["name": "node_ids", "datatype": "INT64", "shape": [3], "data": [1]]]]),
               400, "1 values")
        expect(try await server.post(path, json: ["inputs": [["name": "x", "datatype": "INT64", "shape": [1], "data": [1]]]]),
               400, "unexpected input \"x\"")
        expect(try await server.post(path, json: ["inputs": [["name": "node_ids", "datatype": "INT64", "shape": [1], "data": ["a"]]]]),
               400, "malformed request body")
        expect(try await server.infer("revsage", [4, 600]), 400, "node id 600 is out of range")
        expect(try await server.infer("revsage", [-1]), 400, "node id -1 is out of range")
        expect(try await server.infer("revsage", Array(0..<101)), 413, "--max-batch 100")
        expect(try await server.send("POST", path, body: Data(repeating: UInt8(ascii: " "), count: 30_000)), 413, "--max-body 20000")
        expect(try await server.infer("revsage", [1], outputs: [("scores", ["scores": "softmax"])]), 400, "logits")
        expect(try await server.infer("revsage", [1], outputs: [("top_k", ["top_k": 9])]), 400, "from 1 to 4")
        expect(try await server.infer("revsage", [1], outputs: [("embedding", [:])]), 400, "unknown output")
        expect(try await server.send("POST", path, body: Data("{}".utf8), headers: ["Inference-Header-Content-Length": "9"]),
               400, "not a length within the 2-byte body")
        let binaryInput = #"{"inputs":[{"name":"node_ids","datatype":"INT64","shape":[2],"parameters":{"binary_data_size":16}}]}"#
        expect(try await server.send("POST", path, body: Data(binaryInput.utf8) + Data(count: 8),
                                     headers: ["Inference-Header-Content-Length": String(binaryInput.utf8.count)]),
               400, "needs 16 bytes of binary data")
        let nested = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        expect(try await server.send("POST", path, body: Data("{\"inputs\":[{\"name\":\"node_ids\",\"datatype\":\"INT64\",\"shape\":[1],\"data\":\(nested)}]}".utf8)),
               400, "")
        let answer7 = try await server.get("/v2/health/live").status
        XCTAssertEqual(answer7, 200)
        let answer8 = try await server.infer("revsage", [1]).status
        XCTAssertEqual(answer8, 200)
        let answer9 = try await server.stop()
        XCTAssertEqual(answer9, 0)
    }

    /// A client that sends half a request and stalls is cut off after --idle-timeout, and nobody waits for it.
    func testHalfOpenClientsTimeOutWithoutBlockingOthers() async throws {
        let server = try await ServerProcess(["--model", Self.model, Self.graph, "--idle-timeout", "1"])
        let socket = try LoopbackSocket(port: server.port)
        try socket.send("POST /v2/models/revsage/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"inp")
        let start = Date()
        for _ in 0..<20 {
            let reply = try await server.infer("revsage", [1])
            XCTAssertEqual(reply.status, 200)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1, "other clients were held up")
        XCTAssertTrue(socket.waitForClose(timeout: 10), "the stalled connection was not closed")
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        let answer10 = try await server.stop()
        XCTAssertEqual(answer10, 0)
    }

    /// A client trickling its body, each byte well inside --idle-timeout, is cut off after --request-timeout.
    func testTricklingClientsAreCutOffAfterTheRequestTimeout() async throws {
        let server = try await ServerProcess(["--model", Self.model, Self.graph, "--idle-timeout", "5", "--request-timeout", "1"])
        let socket = try LoopbackSocket(port: server.port)
        let start = Date()
        try socket.send("POST /v2/models/revsage/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        var closed = false
        for _ in 0..<25 where !closed {
            closed = socket.waitForClose(timeout: 0.2)
            if !closed { try socket.send(" ") }
        }
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertTrue(closed, "the trickling connection was still open after \(elapsed) s")
        XCTAssertGreaterThanOrEqual(elapsed, 0.9)
        XCTAssertLessThan(elapsed, 3)
        let reply = try await server.infer("revsage", [1])
        XCTAssertEqual(reply.status, 200, "other clients are served")
        let stopped = try await server.stop()
        XCTAssertEqual(stopped, 0)
    }

    func testTokenGuardsEveryRouteButHealth() async throws {
        let tokenFile = temporary("token")
        try "s3cret\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let server = try await ServerProcess(["--model", Self.model, Self.graph, "--token", tokenFile])
        let answer11 = try await server.get("/v2/health/live").status
        XCTAssertEqual(answer11, 200)
        let answer12 = try await server.get("/v2/health/ready").status
        XCTAssertEqual(answer12, 200)
        for path in ["/v2", "/v2/models/revsage", "/metrics"] {
            let answer13 = try await server.get(path).status
            XCTAssertEqual(answer13, 401, path)
            let answer14 = try await server.get(path, headers: ["Authorization": "Bearer wrong!"]).status
            XCTAssertEqual(answer14, 401, path)
            let answer15 = try await server.get(path, headers: ["Authorization": "Bearer s3cret"]).status
            XCTAssertEqual(answer15, 200, path)
        }
        let answer16 = try await server.infer("revsage", [1]).status
        XCTAssertEqual(answer16, 401)
        let answer17 = try await server.stop()
        XCTAssertEqual(answer17, 0)
    }

    /// While a client hammers infer, the repository loads another model into the same name, then a damaged
    /// one: every response is 200, and its scores are those of the model file its version names.
    func testReloadUnderLoadDropsNothingAndKeepsServingOnFailure() async throws {
        let repository = temporary("repo")
        let folder = repository + "/m"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.model, toPath: folder + "/model.gnnz")
        try FileManager.default.copyItem(atPath: Self.graph, toPath: folder + "/graph.bin")
        let server = try await ServerProcess(["--repository", repository])
        let nodes = [7, 100]
        let expected: [String: [UInt32]] = [
            try digest(Self.model): try predicted(Self.model, nodes: nodes),
            try digest(Self.samples + "/wt_revgen.gnnz"): try predicted(Self.samples + "/wt_revgen.gnnz", nodes: nodes),
        ]
        let stop = StopFlag()
        let hammer = Task.detached { [server, nodes, expected] in
            try await ServeCommandTests.hammer(server, nodes: nodes, expected: expected, until: stop)
        }
        try await Task.sleep(for: .milliseconds(200))
        try FileManager.default.removeItem(atPath: folder + "/model.gnnz")
        try FileManager.default.copyItem(atPath: Self.samples + "/wt_revgen.gnnz", toPath: folder + "/model.gnnz")
        let load = try await server.post("/v2/repository/models/m/load", json: [String: Any]())
        XCTAssertEqual(load.status, 200, load.text)
        try await Task.sleep(for: .milliseconds(200))
        // A damaged model file: the load fails with its error and version 2 keeps serving.
        try Data(repeating: 7, count: 300).write(to: URL(fileURLWithPath: folder + "/model.gnnz"))
        let failed = try await server.post("/v2/repository/models/m/load", json: [String: Any]())
        XCTAssertEqual(failed.status, 400, failed.text)
        XCTAssertTrue((failed.object["error"] as? String ?? "").contains("loading model \"m\" failed"), failed.text)
        try await Task.sleep(for: .milliseconds(200))
        stop.raise()
        let seen = try await hammer.value
        XCTAssertEqual(seen.count, 2, "\(seen)")
        XCTAssertGreaterThan(seen.values.reduce(0, +), 20, "\(seen)")
        XCTAssertTrue(seen.keys.contains { $0.hasPrefix("1-") } && seen.keys.contains { $0.hasPrefix("2-") }, "\(seen)")
        let index = try await server.post("/v2/repository/index", json: [String: Any]())
        let entry = try XCTUnwrap((index.json as? [[String: Any]])?.first)
        XCTAssertEqual(entry["state"] as? String, "READY")
        XCTAssertTrue((entry["version"] as? String ?? "").hasPrefix("2-"))
        XCTAssertTrue((entry["reason"] as? String ?? "").contains("load failed"), "\(entry)")

        // Unload, then load again from the original files; SIGHUP reloads too.
        let answer18 = try await server.post("/v2/repository/models/m/unload", json: [String: Any]()).status
        XCTAssertEqual(answer18, 200)
        let answer19 = try await server.get("/v2/models/m/ready").status
        XCTAssertEqual(answer19, 400)
        let answer20 = try await server.infer("m", [1]).status
        XCTAssertEqual(answer20, 400)
        let answer21 = try await server.post("/v2/repository/models/other/load", json: [String: Any]()).status
        XCTAssertEqual(answer21, 404)
        try FileManager.default.removeItem(atPath: folder + "/model.gnnz")
        try FileManager.default.copyItem(atPath: Self.model, toPath: folder + "/model.gnnz")
        let answer22 = try await server.post("/v2/repository/models/m/load", json: [String: Any]()).status
        XCTAssertEqual(answer22, 200)
        server.signal(SIGHUP)
        let deadline = Date().addingTimeInterval(20)
        var version = ""
        while !version.hasPrefix("5-"), Date() < deadline {
            version = try await server.infer("m", [1]).object["model_version"] as? String ?? ""
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTAssertTrue(version.hasPrefix("5-"), "SIGHUP did not reload: \(version)")
        let answer23 = try await server.stop()
        XCTAssertEqual(answer23, 0)
    }

    /// Infers `nodes` again and again (at most 20,000 times and 30 s, until `stop` is raised): every reply
    /// must be 200 with the scores `expected` holds for the model digest its version names. Returns the count
    /// per version.
    private static func hammer(_ server: ServerProcess, nodes: [Int], expected: [String: [UInt32]],
                               until stop: StopFlag) async throws -> [String: Int] {
        var seen: [String: Int] = [:]
        let deadline = Date().addingTimeInterval(30)
        for _ in 0..<20_000 {
            if stop.isRaised || Date() > deadline { break }
            let reply = try await server.infer("m", nodes, outputs: [("scores", [:])])
            guard reply.status == 200 else { throw ServerProcess.ServerFailure(message: "status \(reply.status): \(reply.text)") }
            let version = reply.object["model_version"] as! String
            let modelDigest = String(version.split(separator: "-")[1])
            guard scoreBits(reply) == expected[modelDigest] else {
                throw ServerProcess.ServerFailure(message: "scores of version \(version) are not its model's")
            }
            seen[version, default: 0] += 1
        }
        return seen
    }

    /// SIGTERM while large requests are in flight: each finishes whole, and the server exits 0.
    func testSIGTERMLetsRequestsInFlightFinish() async throws {
        let server = try await ServerProcess(["--model", Self.model, Self.graph])
        let batch = Array(repeating: Array(0..<600), count: 100).flatMap { $0 }
        let requests = (0..<6).map { _ in Task { Self.scoreBits(try await server.infer("revsage", batch, outputs: [("scores", [:])])) } }
        try await Task.sleep(for: .milliseconds(30))
        server.signal(SIGTERM)
        var finished = 0
        for request in requests {
            if let bits = try? await request.value {
                XCTAssertEqual(bits.count, batch.count * 4, "a response in flight was cut short")
                finished += 1
            }
        }
        XCTAssertGreaterThan(finished, 0)
        let answer24 = try await server.stop()
        XCTAssertEqual(answer24, 0)
    }

    /// SIGTERM while the first forward pass runs stops the server at once, exit 0, instead of after the pass.
    /// The pass: the DEQ fixture with a tolerance it never reaches, 100,000 Picard iterations (~19 s here).
    func testSIGTERMDuringTheFirstPassStopsAtOnce() async throws {
        let fixture = Fixtures.models + "/deq/deq_gcn"
        var arch = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture + "/arch.json"))) as? [String: Any])
        arch["solver"] = ["method": "picard", "max_iterations": 100_000, "tolerance": 1e-30]
        let archPath = temporary("slow.arch.json"), model = temporary("slow.gnnz"), graph = temporary("deq.bin")
        try JSONSerialization.data(withJSONObject: arch).write(to: URL(fileURLWithPath: archPath))
        let export = try CommandLineTests.Result.from(PredictCommandTests.exporter, ["--weights", fixture + "/weights.safetensors",
                                                                                     "--arch", archPath, "-o", model])
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertEqual(try CommandLineTests.run(["pack", Fixtures.models + "/deq/graph.npz", "-o", graph, "--quiet"]).status, 0)
        let server = try await ServerProcess(["--model", model, graph, "--name", "slow"], ready: false)
        let deadline = Date().addingTimeInterval(30)
        while !server.log.contains("forward pass started"), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(300))
        let start = Date()
        let status = try await server.stop()
        XCTAssertEqual(status, 0, server.log)
        XCTAssertLessThan(Date().timeIntervalSince(start), 3, "SIGTERM waited for the pass")
        XCTAssertTrue(server.log.contains("load abandoned: the server is stopping"), server.log)
        XCTAssertFalse(server.log.contains("model ready"), server.log)
    }

    func testCommandLineMistakes() throws {
        let both = try CommandLineTests.run(["serve", "--repository", "/tmp", "--model", Self.model, Self.graph])
        XCTAssertEqual(both.status, 2)
        XCTAssertTrue(both.stderr.contains("not both"), both.stderr)
        let neither = try CommandLineTests.run(["serve"])
        XCTAssertEqual(neither.status, 2)
        let bad = try CommandLineTests.run(["serve", "--model", Self.samples + "/csbm.npz", Self.graph, "--port", "0"])
        XCTAssertEqual(bad.status, 1, bad.stderr)
        for (option, value) in [("--request-timeout", "0"), ("--idle-timeout", "1e300"), ("--request-timeout", "nan")] {
            let timeout = try CommandLineTests.run(["serve", "--model", Self.model, Self.graph, option, value])
            XCTAssertEqual(timeout.status, 2, "\(option) \(value): \(timeout.stderr)")
            XCTAssertTrue(timeout.stderr.contains("\(option) must be more than 0 and at most 604800 seconds"), timeout.stderr)
        }
    }

    /// A file's version digest, as the server names it: the 16 hex digits of its header seal.
    private func digest(_ path: String) throws -> String {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(128)
        let value = bytes.suffix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// A flag one task raises and another polls.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false

    func raise() { lock.withLock { raised = true } }
    var isRaised: Bool { lock.withLock { raised } }
}
