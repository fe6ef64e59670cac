// A second opinion for words a secondary language won. With kor+eng, Tesseract reads some
// Korean words of a Korean page as short runs of Latin capitals ("환불을" → "SHES", "경우를" →
// "ALS"): the English model's guess beats the Korean one for words the Korean dictionary lacks.
// Such words are read again, alone, by the primary language only, and its reading is kept when
// it is Hangul and at least as confident. Words in real English ("VIP", "Wi-Fi") are read with
// high confidence by the English model and stay.
import CTesseract
import Foundation

extension TesseractOCR {
    /// The page's text (`text`, Tesseract's own layout and spacing) with suspicious
    /// secondary-language words replaced by what `primary` (an engine for the first language
    /// alone) reads in their boxes. Words are found in `text` in reading order, so a replaced
    /// word is the occurrence at that point, not an earlier one.
    func textWithRecheck(_ text: String, by primary: OpaquePointer, image: GrayImage, primaryLanguage: String) -> String {
        guard let iterator = TessBaseAPIGetIterator(handle) else { return text }
        defer { TessResultIteratorDelete(iterator) }
        let page = TessResultIteratorGetPageIterator(iterator)
        var text = text
        var cursor = text.startIndex
        var primed = false
        repeat {
            guard let raw = TessResultIteratorGetUTF8Text(iterator, RIL_WORD) else { continue }
            let word = String(cString: raw)
            TessDeleteText(raw)
            guard !word.isEmpty, let found = text.range(of: word, range: cursor..<text.endIndex) else { continue }
            cursor = found.upperBound
            let language = TessResultIteratorWordRecognitionLanguage(iterator).map { String(cString: $0) } ?? primaryLanguage
            let confidence = TessResultIteratorConfidence(iterator, RIL_WORD)
            if language != primaryLanguage, Self.looksMisread(word, confidence: confidence) {
                var left: Int32 = 0, top: Int32 = 0, right: Int32 = 0, bottom: Int32 = 0
                if TessPageIteratorBoundingBox(page, RIL_WORD, &left, &top, &right, &bottom) != 0, right > left, bottom > top {
                    if !primed {
                        image.pixels.withUnsafeBufferPointer { buffer in
                            TessBaseAPISetImage(primary, buffer.baseAddress, Int32(image.width), Int32(image.height), 1, Int32(image.width))
                        }
                        TessBaseAPISetSourceResolution(primary, Int32(image.dpi))
                        primed = true
                    }
                    // A little margin: Tesseract reads a word better with some white around it.
                    let pad: Int32 = 4
                    let x = max(0, left - pad), y = max(0, top - pad)
                    TessBaseAPISetRectangle(primary, x, y, min(Int32(image.width), right + pad) - x, min(Int32(image.height), bottom + pad) - y)
                    if let second = TessBaseAPIGetUTF8Text(primary) {
                        let reading = String(cString: second).trimmingCharacters(in: .whitespacesAndNewlines)
                        TessDeleteText(second)
                        let secondConfidence = Float(TessBaseAPIMeanTextConf(primary))
                        if reading.unicodeScalars.contains(where: Self.isHangul), !reading.contains(" "), secondConfidence >= confidence {
                            let offset = text.distance(from: text.startIndex, to: found.lowerBound) + reading.count
                            text.replaceSubrange(found, with: reading)
                            cursor = text.index(text.startIndex, offsetBy: offset)
                        }
                    }
                }
            }
        } while TessResultIteratorNext(iterator, RIL_WORD) != 0
        if primed { TessBaseAPIClear(primary) }
        return text
    }

    /// Latin letters only (a stray mark allowed), short, and not read with high confidence.
    static func looksMisread(_ word: String, confidence: Float) -> Bool {
        let letters = word.unicodeScalars.filter { $0.properties.isAlphabetic }
        guard !letters.isEmpty, word.unicodeScalars.count <= 8, confidence < 90 else { return false }
        return letters.allSatisfy { $0.isASCII } && letters.contains { ("A"..."Z").contains($0) }
    }

    static func isHangul(_ scalar: Unicode.Scalar) -> Bool {
        (0xAC00...0xD7A3).contains(scalar.value)
    }
}
