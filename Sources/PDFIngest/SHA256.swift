// SHA-256 through OpenSSL's libcrypto.
import CCrypto
import Foundation

public enum SHA256 {
    public static func hex(_ data: Data) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        data.withUnsafeBytes { raw in
            _ = CCrypto.SHA256(raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count, &digest)
        }
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
