// Reads the flat fields of S3's XML error body (`Code`, `Message`, `RequestId`, …); a body that
// is not XML gives what could be read before the fault (often nothing).
import Foundation

enum ErrorBodyParser {
    static func parse(_ data: Data) -> [String: String] {
        guard !data.isEmpty else { return [:] }
        var fields: [String: String] = [:]
        var text = ""
        try? XMLScanner.scan(data) { event in
            switch event {
            case .start: text = ""
            case .text(let chunk): text += chunk
            case .end(let name):
                if fields[name] == nil { fields[name] = text }
                text = ""
            }
        }
        return fields
    }
}
