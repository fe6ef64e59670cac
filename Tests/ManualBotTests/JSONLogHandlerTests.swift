// The JSON log line, written by hand: always one valid JSON object whatever the text holds, keys
// sorted, numbers as numbers, metadata over the fixed fields, the request id renamed.
import Foundation
import Logging
import Testing
@testable import HTTPServer

@Suite struct JSONLogHandlerTests {
    @Test func linesAreValidJSON() throws {
        let awkward = "따옴표 \" 역슬래시 \\ 줄\n바꿈\r탭\t제어\u{01}\u{1F} 이모지 😀 /경로/"
        let line = JSONLogHandler.line(time: "2026-11-28T04:54:24.123Z", level: .info, label: "manualbot", message: awkward, metadata: [
            "status": .stringConvertible(200),
            "ms": .stringConvertible(1.25),
            "nan": .stringConvertible(Double.nan),
            "hb.request.id": "abc",
            "list": .array(["a", .stringConvertible(2)]),
            "nested": .dictionary(["z": "1", "a": .dictionary([:])]),
            "logger": "override",
        ])
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["message"] as? String == awkward)
        #expect(object["status"] as? Int == 200)
        #expect(object["ms"] as? Double == 1.25)
        #expect(object["nan"] is NSNull)
        #expect(object["request_id"] as? String == "abc")
        #expect(object["hb.request.id"] == nil)
        #expect(object["logger"] as? String == "override")
        #expect(object["level"] as? String == "info")
        #expect((object["list"] as? [Any])?.count == 2)
        #expect(line.hasPrefix(#"{"level":"info","list":"#))
        #expect(line.contains(#""nested":{"a":{},"z":"1"}"#))
    }
}
