// Reads the flat fields of S3's XML error body (`Code`, `Message`, `RequestId`, …); a body that
// is not XML gives what could be read before the fault (often nothing).
import Foundation

enum ErrorBodyParser {
    static func parse(_ data: Data) -> [String: String] {
        guard !data.isEmpty else { return [:] }
        var fields: [String: String] = [:]
        try? XMLScanner.scan(data) { event in
            if case .end(let name, let text) = event, fields[name] == nil { fields[name] = text }
        }
        return fields
    }
}
