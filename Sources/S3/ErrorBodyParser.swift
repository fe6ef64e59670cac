// Reads the flat fields of S3's XML error body (`Code`, `Message`, `RequestId`, …).
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

final class ErrorBodyParser: NSObject, XMLParserDelegate {
    private var fields: [String: String] = [:]
    private var text = ""

    static func parse(_ data: Data) -> [String: String] {
        guard !data.isEmpty else { return [:] }
        let delegate = ErrorBodyParser()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        _ = parser.parse()
        return delegate.fields
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        if fields[elementName] == nil { fields[elementName] = text }
        text = ""
    }
}
