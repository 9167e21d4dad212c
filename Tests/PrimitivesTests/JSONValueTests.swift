import Foundation
import Testing
@testable import Primitives

@Suite struct JSONValueTests {
    @Test(arguments: [
        (#"{"a":1,}"#, "Unexpected character ('}' (code 125)): was expecting double-quote to start field name"),
        (#"[1,2,]"#, "Unexpected character (']' (code 93)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"),
        (#"{'a':1}"#, "Unexpected character (''' (code 39)): was expecting double-quote to start field name"),
        (#"{"a" 1}"#, "Unexpected character ('1' (code 49)): was expecting a colon to separate field name and value"),
        (#"{"a":1 "b":2}"#, "Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries"),
        (#"[1 2]"#, "Unexpected character ('2' (code 50)): was expecting comma to separate Array entries"),
        (#"{"a":tru}"#, "Unrecognized token 'tru': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"),
        (#"{"a":NaN}"#, "Unrecognized token 'NaN': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"),
        (#"{"a":01}"#, "Invalid numeric value: Leading zeroes not allowed"),
        (#"{"a":1.}"#, "Unexpected character ('}' (code 125)) in numeric value: Decimal point not followed by a digit"),
        (#"{"a":-x}"#, "Unexpected character ('x' (code 120)) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value"),
        ("{\"a\":\"x\ny\"}", "Illegal unquoted character ((CTRL-CHAR, code 10)): has to be escaped using backslash to be included in string value"),
        (#"{"a":"\q"}"#, "Unrecognized character escape 'q' (code 113)"),
        (#"{"a":1} {}"#, "Unexpected character ('{' (code 123)): expected end-of-input after the JSON value"),
        (#"{"a":"open"#, "Unexpected end-of-input: was expecting closing quote for a string value"),
        (#"/* comment */ {}"#, "Unexpected character ('/' (code 47)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"),
    ])
    func syntaxErrorsAreJacksonLike(_ text: String, _ message: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(text) }
        do {
            _ = try JSONValue.parse(text)
        } catch {
            #expect(error.message == message)
        }
    }

    @Test func syntaxErrorPositions() {
        do {
            _ = try JSONValue.parse("{\n  \"a\": 1,\n}")
            Issue.record("accepted a trailing comma")
        } catch {
            #expect(error.line == 3)
            #expect(error.column == 1)
            #expect(error.description.hasSuffix("at [Source: (request body); line: 3, column: 1]"))
        }
    }

    @Test func invalidUTF8IsASyntaxError() {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(Data([0x22, 0xC3, 0x28, 0x22])) }
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(Data([0x22, 0xED, 0xA0, 0x80, 0x22])) }
    }

    @Test func deepNestingIsRefused() {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(deep) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect((try? JSONValue.parse(fine)) != nil)
    }

    @Test func stringsAndEscapes() throws {
        let value = try JSONValue.parse(Data([0xEF, 0xBB, 0xBF] + Array(#"{"s":"a\"b\\c\/d\u00e9\ud83d\ude00\n","t":"ü"}"#.utf8)))
        #expect(value["s"] == .string("a\"b\\c/dé😀\n"))
        #expect(value["t"] == "ü")
        #expect(JSONValue.string("a\"\u{01}\n").jsonString == #""a\"\u0001\n""#)
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        let value = try JSONValue.parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(value.objectValue?.keys == ["a", "b"])
        #expect(value["a"] == 3)
    }

    @Test func numbersKeepTheirValue() throws {
        let value = try JSONValue.parse(#"[1, 1.0, 1e2, -0.5, 12345678901234567890, 2.5E-3]"#)
        #expect(value[0]?.numberValue?.int32Value == 1)
        #expect(value[1]?.numberValue?.int32Value == 1)
        #expect(value[2]?.numberValue?.int32Value == 100)
        #expect(value[3]?.numberValue?.int32Value == nil)
        #expect(value[4]?.numberValue?.int64Value == nil)
        #expect(value[5]?.numberValue?.doubleValue == 0.0025)
        #expect(value[0] == value[1])
        #expect(value.jsonString == "[1,1.0,1e2,-0.5,12345678901234567890,2.5E-3]")
    }

    @Test(arguments: [
        (0.1, "0.1"), (32.0, "32.0"), (1.15, "1.15"), (300.0, "300.0"), (0.0, "0.0"), (-1.0, "-1.0"),
        (1e-4, "1.0E-4"), (0.001, "0.001"), (1e7, "1.0E7"), (9_999_999.0, "9999999.0"), (123_456_789.0, "1.23456789E8"),
        (0.5, "0.5"), (1.0 / 3.0, "0.3333333333333333"), (2.5e-5, "2.5E-5"), (1e21, "1.0E21"), (128.5, "128.5"),
    ])
    func doublesRenderLikeJava(_ value: Double, _ text: String) {
        #expect(JSONNumber.javaString(value) == text)
    }

    @Test func semanticEquality() throws {
        #expect(try JSONValue.parse(#"{"a":[1,{"b":2.0}],"c":null}"#) == JSONValue.parse(#"{"c":null,"a":[1.0,{"b":2}]}"#))
        #expect(try JSONValue.parse(#"[1,2]"#) != JSONValue.parse(#"[2,1]"#))
        #expect(try JSONValue.parse(#"{"a":1}"#) != JSONValue.parse(#"{"a":1,"b":1}"#))
    }

    @Test func integersStayExactAtAnySize() throws {
        let value = try JSONValue.parse(#"{"big":9007199254740993,"max":9223372036854775807,"neg":-9007199254740993}"#)
        #expect(value["big"]?.intValue == 9_007_199_254_740_993)
        #expect(value["max"]?.intValue == Int.max)
        #expect(value["neg"]?.intValue == -9_007_199_254_740_993)
        #expect(value["big"] != .int(9_007_199_254_740_992))
        #expect(value.jsonString([.sortedKeys, .plainNumbers]) == #"{"big":9007199254740993,"max":9223372036854775807,"neg":-9007199254740993}"#)
    }

    @Test func codableKeepsIntegersAndMembers() throws {
        let value = try JSONValue.parse(#"{"n":9007199254740993,"d":2.5,"s":"x","a":[true,null],"o":{"k":{}}}"#)
        let decoded = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
        #expect(decoded == value)
        #expect(decoded["n"]?.intValue == 9_007_199_254_740_993)
        #expect(decoded["o"]?["k"] == .object([:]))
    }

    @Test func writingOptions() throws {
        let value = try JSONValue.parse(#"{"b":[1.0,2.50],"a":{},"c":[]}"#)
        #expect(value.jsonString == #"{"b":[1.0,2.50],"a":{},"c":[]}"#)
        #expect(value.jsonString(.sortedKeys) == #"{"a":{},"b":[1.0,2.50],"c":[]}"#)
        #expect(value.jsonString([.sortedKeys, .plainNumbers]) == #"{"a":{},"b":[1,2.5],"c":[]}"#)
        #expect(value.jsonString(.prettyPrinted) == "{\n  \"b\": [\n    1.0,\n    2.50\n  ],\n  \"a\": {},\n  \"c\": []\n}")
    }

    @Test func typeNames() throws {
        #expect(try JSONValue.parse(#"[null,true,1,"s",[],{}]"#).arrayValue?.map(\.typeName)
            == ["null", "boolean", "number", "string", "array", "object"])
    }
}
