import NIOCore
import XCTest
@testable import GNNServer

/// `InferenceRequestParser` on hand-written bodies: the protocol's shapes as clients send them, and every
/// kind of malformed body, each refused with a 400 that says what is wrong.
final class InferenceRequestParserTests: XCTestCase {
    private func parse(_ body: String) throws -> InferenceRequest {
        try InferenceRequest(parsing: ByteBuffer(string: body))
    }

    /// The 400 message `body` gets, or a failure when it is accepted or refused otherwise.
    private func refusal(_ body: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try parse(body)
            XCTFail("accepted: \(body)", file: file, line: line)
        } catch let error as ServeError {
            XCTAssertEqual(error.status, .badRequest, error.message, file: file, line: line)
            return error.message
        } catch {
            XCTFail("\(error)", file: file, line: line)
        }
        return ""
    }

    func testReadsTheProtocolsShapes() throws {
        let request = try parse(#"""
            {"id":"r1","parameters":{"binary_data_output":true,"n":2.5,"s":"x"},
             "inputs":[{"name":"node_ids","datatype":"INT64","shape":[3],"data":[0,17,169342]}],
             "outputs":[{"name":"scores","parameters":{"scores":"probs"}},{"name":"top_k","parameters":{"top_k":3}},{"name":"predictions"}]}
            """#)
        XCTAssertEqual(request.id, "r1")
        XCTAssertEqual(request.parameters, ["binary_data_output": .bool(true), "n": .number(2.5), "s": .string("x")])
        XCTAssertEqual(request.inputs.count, 1)
        XCTAssertEqual(request.inputs[0].name, "node_ids")
        XCTAssertEqual(request.inputs[0].datatype, "INT64")
        XCTAssertEqual(request.inputs[0].shape, [3])
        XCTAssertEqual(request.inputs[0].data, [0, 17, 169_342])
        XCTAssertEqual(request.outputs?.map(\.name), ["scores", "top_k", "predictions"])
        XCTAssertEqual(request.outputs?[0].parameters, ["scores": .string("probs")])
        XCTAssertEqual(request.outputs?[1].parameters, ["top_k": .number(3)])
        XCTAssertNil(request.outputs?[2].parameters)
    }

    func testAcceptsWhitespaceNullsUnknownMembersNestingAndBinaryInputs() throws {
        let request = try parse(" \t\r\n{ \"inputs\" : [ { \"name\" : \"node_ids\" , \"datatype\" : \"INT64\" , \"shape\" : [ 2 , 2 ] ,"
            + " \"data\" : [ [ 1 , 2 ] , [ 3 , 4 ] ] , \"extra\" : { \"a\" : [ null , true , false , -1.5e-3 , \"s\" , { } , [ ] ] } } ] ,"
            + " \"id\" : null , \"outputs\" : null , \"parameters\" : null , \"future\" : 1 } \n")
        XCTAssertNil(request.id)
        XCTAssertNil(request.outputs)
        XCTAssertNil(request.parameters)
        XCTAssertEqual(request.inputs[0].data, [1, 2, 3, 4])
        XCTAssertEqual(request.inputs[0].shape, [2, 2])
        XCTAssertEqual(try parse(#"{"inputs":[{"name":"node_ids","datatype":"INT64","shape":[1],"data":7}]}"#).inputs[0].data, [7])
        let binary = try parse(#"{"inputs":[{"name":"node_ids","datatype":"INT64","shape":[2],"parameters":{"binary_data_size":16}}]}"#)
        XCTAssertNil(binary.inputs[0].data)
        XCTAssertEqual(binary.inputs[0].parameters, ["binary_data_size": .number(16)])
    }

    func testReadsEscapesAndUnicode() throws {
        let request = try parse(#"{"id":"q\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00é","inputs":[]}"#)
        XCTAssertEqual(request.id, "q\"\\/\u{8}\u{c}\n\r\té😀é")
    }

    func testIntegersAreExactOrRefused() throws {
        func body(_ data: String) -> String {
            #"{"inputs":[{"name":"node_ids","datatype":"INT64","shape":[1],"data":["# + data + "]}]}"
        }
        XCTAssertEqual(try parse(body("0,-0,2.0,1e2,200E-2,9223372036854775807,-9223372036854775808")).inputs[0].data,
                       [0, 0, 2, 100, 2, .max, .min])
        XCTAssertTrue(refusal(body("1.5")).contains(".inputs[0].data[0] is not an integer"))
        XCTAssertTrue(refusal(body("9223372036854775808")).contains("outside the INT64 range"))
        XCTAssertTrue(refusal(body("-9223372036854775809")).contains("outside the INT64 range"))
        XCTAssertTrue(refusal(body("1e300")).contains("is not an integer"))
        XCTAssertTrue(refusal(body("01")).contains("leading zero"))
        XCTAssertTrue(refusal(body("1,\"a\"")).contains(".inputs[0].data[1] is not an integer"))
        XCTAssertTrue(refusal(body("1.")).contains("not a valid number"))
        XCTAssertTrue(refusal(body("-")).contains("is not an integer"))
        XCTAssertTrue(refusal(body("+1")).contains("is not an integer"))
    }

    func testRefusesMalformedBodiesSayingWhatAndWhere() {
        let cases: [(String, String)] = [
            ("", "the body is not a JSON object (at the end of the body)"),
            ("[]", "the body is not a JSON object (at byte 0)"),
            ("{\"inputs\": [", ".inputs[0] is not an object (at the end of the body)"),
            ("{}", ".inputs is missing"),
            (#"{"inputs":[],}"#, "expected a member name in the body"),
            (#"{"inputs":[1,]}"#, ".inputs[0] is not an object"),
            (#"{"inputs":[{"name":"node_ids","datatype":"INT64","shape":[1],"data":[1,]}]}"#, ".inputs[0].data[1] is not an integer"),
            (#"{"inputs":[]} x"#, "unexpected bytes after the JSON object"),
            (#"{"inputs":[]}{}"#, "unexpected bytes after the JSON object"),
            (#"{"inputs":null}"#, ".inputs is not an array"),
            (#"{"inputs":[{"name":"node_ids","shape":[1]}]}"#, ".inputs[0].datatype is missing"),
            (#"{"inputs":[{"name":1,"datatype":"INT64","shape":[1]}]}"#, ".inputs[0].name is not a string"),
            (#"{"inputs":[{"name":"n","datatype":"INT64","shape":"1"}]}"#, ".inputs[0].shape is not an array"),
            (#"{"inputs":[],"inputs":[]}"#, ".inputs is given twice"),
            (#"{"inputs":[],"parameters":{"a":1,"a":2}}"#, ".parameters.a is given twice"),
            (#"{"inputs":[],"parameters":{"a":null}}"#, ".parameters.a is not a string, a number or a boolean"),
            (#"{"inputs":[],"parameters":{"a":[1]}}"#, ".parameters.a is not a string, a number or a boolean"),
            (#"{"inputs":[],"outputs":[{"parameters":{}}]}"#, ".outputs[0].name is missing"),
            (#"{"inputs":[],"id":"a"#, ".id: the string does not end"),
            ("{\"inputs\":[],\"id\":\"a\tb\"}", ".id has an unescaped control character"),
            (#"{"inputs":[],"id":"\x"}"#, ".id has an invalid escape \\x"),
            (#"{"inputs":[],"id":"\u12"}"#, ".id has an invalid \\u escape"),
            (#"{"inputs":[],"id":"\ud83d"}"#, ".id has a lone surrogate escape"),
            (#"{"inputs":[],"id":"\ude00"}"#, ".id has a lone surrogate escape"),
            (#"{"inputs":[],"x":tru}"#, ".x is not a valid JSON value"),
            (#"{"inputs":[],"x":nul}"#, ".x is not a valid JSON value"),
            (#"{"inputs":[],"x":'a'}"#, ".x is not a valid JSON value"),
            (#"{"inputs":[],"x":1e400}"#, ".x is outside the range of a double"),
            (#"{"inputs" [] }"#, "expected : after .inputs"),
            (#"{inputs:[]}"#, "expected a member name in the body"),
        ]
        for (body, fragment) in cases {
            let message = refusal(body)
            XCTAssertTrue(message.hasPrefix("malformed request body: "), message)
            XCTAssertTrue(message.contains(fragment), "\(body): \(message) lacks \(fragment)")
        }
        var invalidUTF8 = ByteBuffer(string: #"{"inputs":[],"id":""#)
        invalidUTF8.writeBytes([0xC3, 0x28])
        invalidUTF8.writeString(#""}"#)
        XCTAssertThrowsError(try InferenceRequest(parsing: invalidUTF8)) { error in
            XCTAssertTrue((error as? ServeError)?.message.contains(".id is not valid UTF-8") == true, "\(error)")
        }
    }

    /// Nesting is bounded: `data` at `InferenceRequest.maxDataDepth` levels, anything else at
    /// `InferenceRequestParser.maxDepth`, so deep brackets cost a 400, not the stack.
    func testBoundsNesting() throws {
        func data(_ depth: Int) -> String {
            #"{"inputs":[{"name":"node_ids","datatype":"INT64","shape":[1],"data":"#
                + String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth) + "}]}"
        }
        XCTAssertEqual(try parse(data(InferenceRequest.maxDataDepth)).inputs[0].data, [1])
        XCTAssertTrue(refusal(data(InferenceRequest.maxDataDepth + 1)).contains("nested deeper than 8 levels"))
        XCTAssertTrue(refusal(data(100_000)).contains("nested deeper"))
        let deep = #"{"inputs":[],"x":"# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        XCTAssertTrue(refusal(deep).contains("nests deeper than \(InferenceRequestParser.maxDepth) levels"))
    }

    /// Every proper prefix of a valid body is malformed, and each is refused with a 400 (not accepted,
    /// not a crash); so is the body with any one byte replaced by a quote or a brace.
    func testEveryTruncationAndCorruptionIsRefusedCleanly() throws {
        let body = #"{"id":"a\u00e9","parameters":{"binary_data_output":false},"inputs":[{"name":"node_ids","datatype":"INT64","shape":[2],"data":[[1],[2.0]]}],"outputs":[{"name":"top_k","parameters":{"top_k":2}}]}"#
        XCTAssertEqual(try parse(body).inputs[0].data, [1, 2])
        let bytes = Array(body.utf8)
        for end in 0..<bytes.count {
            XCTAssertThrowsError(try InferenceRequest(parsing: ByteBuffer(bytes: bytes[..<end]))) { error in
                XCTAssertEqual((error as? ServeError)?.status, .badRequest, "prefix of \(end) bytes: \(error)")
            }
        }
        for index in bytes.indices {
            for replacement in [UInt8(ascii: "\""), UInt8(ascii: "}"), 0xFF] {
                var corrupted = bytes
                corrupted[index] = replacement
                do {
                    _ = try InferenceRequest(parsing: ByteBuffer(bytes: corrupted))
                } catch let error as ServeError {
                    XCTAssertEqual(error.status, .badRequest)
                }
            }
        }
    }
}
