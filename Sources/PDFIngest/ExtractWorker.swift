// The child side of isolated parsing: `manualbot extract FILE` caps its own memory and CPU time,
// parses one file and prints one JSON `ExtractionOutcome` on stdout.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum ExtractionOutcome: Codable, Sendable {
    case document(ExtractedDocument)
    case failure(ExtractionError)
}

public enum ExtractWorker {
    public struct Limits: Sendable {
        public var memoryBytes: Int
        public var cpuSeconds: Int
        public init(memoryBytes: Int = 1 << 30, cpuSeconds: Int = 60) {
            self.memoryBytes = memoryBytes
            self.cpuSeconds = cpuSeconds
        }
    }

    /// Parses `path` in this process. Used by the child process and by tests.
    public static func extract(path: String) -> ExtractionOutcome {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(ExtractionError(.unreadable, "cannot read file"))
        }
        return extract(data: data, kind: ManualKind(fileName: path) ?? .pdf)
    }

    public static func extract(data: Data, kind: ManualKind) -> ExtractionOutcome {
        do {
            let document = switch kind {
            case .pdf: try PopplerExtractor.extract(pdf: data)
            case .txt: try TextManual.extract(text: data)
            }
            return .document(document)
        } catch {
            return .failure(error)
        }
    }

    /// Applies address-space and CPU limits to the current process: a hostile PDF that makes
    /// poppler allocate or loop without end is stopped by the kernel, not by luck.
    public static func applyLimits(_ limits: Limits) {
        #if os(Linux)
        var memory = rlimit(rlim_cur: rlim_t(limits.memoryBytes), rlim_max: rlim_t(limits.memoryBytes))
        setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &memory)
        var cpu = rlimit(rlim_cur: rlim_t(limits.cpuSeconds), rlim_max: rlim_t(limits.cpuSeconds + 1))
        setrlimit(__rlimit_resource_t(RLIMIT_CPU.rawValue), &cpu)
        var core = rlimit(rlim_cur: 0, rlim_max: 0)
        setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &core)
        #endif
    }

    /// Runs the child's whole job: limits, parse, JSON to stdout.
    public static func runChild(path: String, limits: Limits) -> Int32 {
        applyLimits(limits)
        let outcome = extract(path: path)
        let encoder = JSONEncoder()
        guard let json = try? encoder.encode(outcome) else { return 3 }
        FileHandle.standardOutput.write(json)
        if case .failure = outcome { return 2 }
        return 0
    }
}
