// Decides whether a page's extracted text is real text or the leftovers of a scan or a broken font.
import Foundation

public enum TextQuality {
    /// A page needs OCR when it has almost no letters, or when most of what it has is U+FFFD or
    /// `(cid:NNN)` glyph codes (fonts without a Unicode map).
    public static func needsOCR(_ text: String) -> Bool {
        var letters = 0
        var replacement = 0
        for scalar in text.unicodeScalars {
            if scalar == "\u{FFFD}" {
                replacement += 1
            } else if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                letters += 1
            }
        }
        let cidCharacters = cidCodeLength(in: text)
        letters = max(0, letters - cidCharacters)
        if letters < 3 { return true }
        let junk = replacement + cidCharacters
        return junk > letters
    }

    /// Characters taken by `(cid:123)` codes.
    static func cidCodeLength(in text: String) -> Int {
        guard text.contains("(cid:") else { return 0 }
        var total = 0
        var rest = text[...]
        while let open = rest.range(of: "(cid:") {
            let after = rest[open.upperBound...]
            let digits = after.prefix { $0.isASCII && $0.isNumber }
            let end = after.index(after.startIndex, offsetBy: digits.count)
            if !digits.isEmpty, end < after.endIndex, after[end] == ")" {
                total += digits.count + 6
                rest = after[after.index(after: end)...]
            } else {
                rest = after
            }
        }
        return total
    }
}
