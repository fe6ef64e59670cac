// swift-log handler that writes one JSON object per line to stdout, the shape CloudWatch Logs
// Insights parses without configuration.
import Foundation
import Logging

public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = Self.line(time: Self.timestamp(), level: event.level, label: label, message: event.message.description,
                             metadata: metadata.merging(event.metadata ?? [:]) { _, new in new })
        line.append("\n")
        Self.output.write(Data(line.utf8))
    }

    static let output = StandardOutput()

    /// One JSON object, keys sorted; metadata overrides the fixed fields. Written by hand:
    /// JSONSerialization took ~60 µs a line on Linux, the largest cost of a small request.
    static func line(time: String, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var fields: [String: Logger.Metadata.Value] = [
            "time": .string(time), "level": .string(level.rawValue), "logger": .string(label), "message": .string(message),
        ]
        for (key, value) in metadata {
            fields[key == "hb.request.id" ? "request_id" : key] = value
        }
        var out = ""
        out.reserveCapacity(256)
        appendObject(fields, to: &out)
        return out
    }

    static func appendObject(_ fields: [String: Logger.Metadata.Value], to out: inout String) {
        out.append("{")
        for (index, key) in fields.keys.sorted().enumerated() {
            if index > 0 { out.append(",") }
            appendString(key, to: &out)
            out.append(":")
            appendValue(fields[key]!, to: &out)
        }
        out.append("}")
    }

    static func appendValue(_ value: Logger.Metadata.Value, to out: inout String) {
        switch value {
        case .string(let string):
            appendString(string, to: &out)
        case .stringConvertible(let convertible):
            if let number = convertible as? Int {
                out.append(String(number))
            } else if let number = convertible as? Double {
                if number.isFinite { out.append(number.description) } else { out.append("null") }
            } else {
                appendString(convertible.description, to: &out)
            }
        case .array(let array):
            out.append("[")
            for (index, element) in array.enumerated() {
                if index > 0 { out.append(",") }
                appendValue(element, to: &out)
            }
            out.append("]")
        case .dictionary(let dictionary):
            appendObject(dictionary, to: &out)
        }
    }

    /// A JSON string: quotes, backslashes and control characters escaped, the rest as is.
    static func appendString(_ string: String, to out: inout String) {
        out.append("\"")
        if !string.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            out.append(string)
        } else {
            for scalar in string.unicodeScalars {
                switch scalar {
                case "\"": out.append("\\\"")
                case "\\": out.append("\\\\")
                case "\n": out.append("\\n")
                case "\r": out.append("\\r")
                case "\t": out.append("\\t")
                case _ where scalar.value < 0x20:
                    out.append("\\u00")
                    out.append(scalar.value < 0x10 ? "0" : "1")
                    out.append(String(scalar.value & 0xF, radix: 16))
                default: out.unicodeScalars.append(scalar)
                }
            }
        }
        out.append("\"")
    }

    static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}

/// Serialises writes so that lines from concurrent requests never interleave.
final class StandardOutput: @unchecked Sendable {
    private let lock = NSLock()
    func write(_ data: Data) {
        lock.withLock { FileHandle.standardOutput.write(data) }
    }
}
