// Human reasons for index failures that are not about one document: a full disk above all.
import Foundation
import GRDB

public enum IndexFailure {
    public static func describe(_ error: any Error) -> String {
        if let database = error as? DatabaseError {
            switch database.resultCode {
            case .SQLITE_FULL:
                return "disk full: the index in DATA_DIR cannot grow; free space and sync again (the existing index keeps serving)"
            case .SQLITE_IOERR:
                return "disk error while writing the index: \(database.message ?? "I/O error")"
            case .SQLITE_READONLY:
                return "the index in DATA_DIR is read-only"
            default:
                break
            }
        }
        if let posix = error as? POSIXError, posix.code == .ENOSPC {
            return "disk full: no space left in DATA_DIR"
        }
        if let cocoa = error as? CocoaError, let underlying = cocoa.userInfo[NSUnderlyingErrorKey] as? NSError,
           underlying.domain == NSPOSIXErrorDomain, underlying.code == Int(ENOSPC) {
            return "disk full: no space left in DATA_DIR"
        }
        return "\(error)"
    }
}
