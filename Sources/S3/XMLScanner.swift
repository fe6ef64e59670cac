// A small XML reader for the two documents S3 sends us (ListBucketResult and Error): elements,
// text, the five named entities and numeric character references, CDATA, comments and the
// prolog; attributes are skipped, DTDs are refused. Written by hand because FoundationXML's
// XMLParser loads libxml2, which brings 36 MB of ICU into the runtime image (over its 200 MB
// budget), and the XML libraries on the package mirror (XMLCoder, SWXMLHash) use XMLParser.
import Foundation

struct XMLScanner {
    enum Event: Equatable {
        case start(String)
        /// An element's end, with the text between the tag before it and this one: the whole
        /// content of a leaf element (`<Key>a&amp;b</Key>` → "a&b"), what both of S3's
        /// documents carry their values in.
        case end(String, text: String)
    }

    struct Malformed: Error, CustomStringConvertible {
        var reason: String
        var description: String { "malformed XML: \(reason)" }
    }

    /// Calls `handle` for each element start and end, in document order.
    /// Throws on anything that is not well-formed (unclosed or mismatched tags, a DTD, stray
    /// `<`, unknown entities); `handle` has seen the events up to that point.
    static func scan(_ data: Data, _ handle: (Event) -> Void) throws {
        let bytes = [UInt8](data)
        var index = 0
        var open: [String] = []
        var text: [UInt8] = []
        // Decoded text since the last tag.
        var content = ""

        func flushText() throws {
            guard !text.isEmpty else { return }
            let decoded = try decodeEntities(String(decoding: text, as: UTF8.self))
            text.removeAll(keepingCapacity: true)
            if !open.isEmpty { content += decoded }
        }
        func find(_ terminator: String, from start: Int) throws -> Int {
            let needle = Array(terminator.utf8)
            var position = start
            while position + needle.count <= bytes.count {
                if bytes[position..<(position + needle.count)].elementsEqual(needle) { return position }
                position += 1
            }
            throw Malformed(reason: "missing \(terminator)")
        }
        func starts(_ prefix: String, at position: Int) -> Bool {
            let needle = Array(prefix.utf8)
            return position + needle.count <= bytes.count && bytes[position..<(position + needle.count)].elementsEqual(needle)
        }

        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "<") else {
                text.append(bytes[index])
                index += 1
                continue
            }
            if starts("<!--", at: index) {
                index = try find("-->", from: index + 4) + 3
            } else if starts("<![CDATA[", at: index) {
                let end = try find("]]>", from: index + 9)
                try flushText()
                if !open.isEmpty { content += String(decoding: bytes[(index + 9)..<end], as: UTF8.self) }
                index = end + 3
            } else if starts("<?", at: index) {
                index = try find("?>", from: index + 2) + 2
            } else if starts("<!", at: index) {
                throw Malformed(reason: "DTDs are not accepted")
            } else {
                try flushText()
                // The tag ends at the first ">" outside a quoted attribute value.
                var end = index + 1
                var quote: UInt8?
                while end < bytes.count {
                    let byte = bytes[end]
                    if let open = quote {
                        if byte == open { quote = nil }
                    } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                        quote = byte
                    } else if byte == UInt8(ascii: ">") {
                        break
                    }
                    end += 1
                }
                guard end < bytes.count else { throw Malformed(reason: "missing >") }
                var tag = String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
                index = end + 1
                if tag.hasPrefix("/") {
                    let name = tag.dropFirst().trimmingCharacters(in: .whitespacesAndNewlines)
                    guard open.last == name else { throw Malformed(reason: "</\(name)> does not close <\(open.last ?? "")>") }
                    open.removeLast()
                    handle(.end(name, text: content))
                    content = ""
                    continue
                }
                let selfClosing = tag.hasSuffix("/")
                if selfClosing { tag.removeLast() }
                let name = String(tag.prefix { !$0.isWhitespace })
                guard !name.isEmpty else { throw Malformed(reason: "an element without a name") }
                handle(.start(name))
                content = ""
                if selfClosing {
                    handle(.end(name, text: ""))
                } else {
                    open.append(name)
                }
            }
        }
        guard open.isEmpty else { throw Malformed(reason: "<\(open.last!)> is not closed") }
        if !text.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw Malformed(reason: "text outside the root element")
        }
    }

    static func decodeEntities(_ text: String) throws -> String {
        guard text.contains("&") else { return text }
        var result = ""
        var rest = Substring(text)
        while let ampersand = rest.firstIndex(of: "&") {
            result += rest[..<ampersand]
            guard let semicolon = rest[ampersand...].firstIndex(of: ";") else { throw Malformed(reason: "an unterminated entity") }
            let name = rest[rest.index(after: ampersand)..<semicolon]
            switch name {
            case "amp": result += "&"
            case "lt": result += "<"
            case "gt": result += ">"
            case "quot": result += "\""
            case "apos": result += "'"
            default:
                let number: UInt32?
                if name.hasPrefix("#x") || name.hasPrefix("#X") {
                    number = UInt32(name.dropFirst(2), radix: 16)
                } else if name.hasPrefix("#") {
                    number = UInt32(name.dropFirst())
                } else {
                    number = nil
                }
                guard let number, let scalar = Unicode.Scalar(number) else { throw Malformed(reason: "unknown entity &\(name);") }
                result.unicodeScalars.append(scalar)
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        return result + rest
    }
}
