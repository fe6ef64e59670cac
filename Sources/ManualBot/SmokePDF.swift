// The PDF that `manualbot smoke` uploads when none is given: one A4 page of plain ASCII text in
// Helvetica (a base-14 font, nothing embedded) carrying a random code word, so that a question
// about that word can only be answered by this document.
import Foundation

enum SmokePDF {
    /// A random lowercase word that no manual contains (letters only: the tokenizer keeps it whole).
    static func codeWord() -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        var generator = SystemRandomNumberGenerator()
        return "zq" + String((0..<10).map { _ in letters.randomElement(using: &generator)! })
    }

    static func document(codeWord: String) -> Data {
        make(lines: [
            "ManualBot post-deploy smoke test",
            "This page exists only to check that an uploaded PDF is processed end to end.",
            "The smoke code word is \(codeWord).",
            "Whoever asks about the code word \(codeWord) should be sent to this page.",
            "manualbot smoke uploads it, asks about it and deletes it again.",
        ])
    }

    /// A minimal, valid PDF 1.4 (correct cross-reference offsets) with one line per string.
    static func make(lines: [String]) -> Data {
        var content = "BT\n/F1 12 Tf\n16 TL\n72 770 Td\n"
        for line in lines { content += "(\(escape(line))) Tj T*\n" }
        content += "ET\n"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            "<< /Length \(content.utf8.count) >>\nstream\n\(content)endstream",
        ]
        var pdf = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (number, object) in objects.enumerated() {
            offsets.append(pdf.utf8.count)
            pdf += "\(number + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = pdf.utf8.count
        pdf += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { pdf += String(format: "%010d 00000 n \n", offset) }
        pdf += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(pdf.utf8)
    }

    /// PDF string literal escaping; anything outside printable ASCII becomes `?`.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "(", ")", "\\": out += "\\\(scalar)"
            case " "..."~": out.unicodeScalars.append(scalar)
            default: out += "?"
            }
        }
        return out
    }
}
