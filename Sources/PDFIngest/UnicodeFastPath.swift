// Unicode normalisation is costly through Foundation on Linux, and almost all manual text is
// already normal: Hangul syllables, ASCII, CJK ideographs. These checks let the common case skip
// it; anything outside the known-stable ranges is normalised as before.
extension String {
    /// NFC, skipping the work when every scalar is one that NFC leaves alone.
    public var fastNFC: String {
        unicodeScalars.allSatisfy(\.isStableUnderNFC) ? self : precomposedStringWithCanonicalMapping.composingHangulTrailingJamo
    }

    /// NFKC, skipping the work when every scalar is one that NFKC leaves alone.
    public var fastNFKC: String {
        unicodeScalars.allSatisfy(\.isStableUnderNFKC) ? self : precomposedStringWithCompatibilityMapping.composingHangulTrailingJamo
    }

    /// Foundation on Linux (Swift 6.3) composes ᄀ+ᅡ+ᆨ into 각 but leaves 가+ᆨ apart, so NFC
    /// and NFD inputs would differ. This finishes Unicode's algorithmic LV + T composition.
    var composingHangulTrailingJamo: String {
        guard unicodeScalars.contains(where: { (0x11A8...0x11C2).contains($0.value) }) else { return self }
        var result = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if (0x11A8...0x11C2).contains(scalar.value), let last = result.last,
               (0xAC00...0xD7A3).contains(last.value), (last.value - 0xAC00) % 28 == 0,
               let composed = Unicode.Scalar(last.value + scalar.value - 0x11A7) {
                result.removeLast()
                result.append(composed)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }
}

extension Unicode.Scalar {
    /// ASCII, Latin-1 letters, Hangul syllables, CJK ideographs and common punctuation.
    var isStableUnderNFC: Bool {
        switch value {
        case 0x00...0x02FF, 0x2000...0x206F, 0x3000...0x303F, 0x3131...0x318E, 0x4E00...0x9FFF, 0xAC00...0xD7A3, 0xE000...0xF8FF, 0xFF01...0xFFEF:
            true
        default:
            false
        }
    }

    /// Like `isStableUnderNFC`, minus what NFKC maps: full-width forms, compatibility jamo,
    /// super/subscripts, ligatures and Latin-1's ª ² ³ ¹ º ¼ ½ ¾ and no-break space.
    var isStableUnderNFKC: Bool {
        switch value {
        case 0x00...0x9F, 0xC0...0x02AF, 0x2010...0x2023, 0x2027...0x2031, 0x2035...0x205E, 0x3001...0x303F, 0x4E00...0x9FFF, 0xAC00...0xD7A3:
            value != 0x2017 && value != 0x203C && value != 0x203E
        case 0xA1...0xBF:
            ![0xA0, 0xA8, 0xAA, 0xAF, 0xB2, 0xB3, 0xB4, 0xB5, 0xB8, 0xB9, 0xBA, 0xBC, 0xBD, 0xBE].contains(value)
        default:
            false
        }
    }
}
