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
    public static func extract(path: String, ocr: OCRRun? = nil) -> ExtractionOutcome {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(ExtractionError(.unreadable, "cannot read file"))
        }
        return extract(data: data, kind: ManualKind(fileName: path) ?? .pdf, ocr: ocr)
    }

    public static func extract(data: Data, kind: ManualKind, ocr: OCRRun? = nil) -> ExtractionOutcome {
        do {
            let document = switch kind {
            case .pdf: try PopplerExtractor.extract(pdf: data, ocr: ocr)
            case .txt: try TextManual.extract(text: data)
            }
            return .document(document)
        } catch {
            return .failure(error)
        }
    }

    /// Applies address-space and CPU limits to the current process: a hostile PDF that makes
    /// poppler allocate or loop without end is stopped by the kernel, not by luck.
    /// `openCPUCeiling` leaves the hard CPU limit unlimited, so that a long-lived worker (not
    /// privileged) can move its soft limit up for each file.
    public static func applyLimits(_ limits: Limits, openCPUCeiling: Bool = false) {
        #if os(Linux)
        var memory = rlimit(rlim_cur: rlim_t(limits.memoryBytes), rlim_max: rlim_t(limits.memoryBytes))
        setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &memory)
        var cpu = rlimit(rlim_cur: rlim_t(limits.cpuSeconds), rlim_max: openCPUCeiling ? rlim_t.max : rlim_t(limits.cpuSeconds + 1))
        setrlimit(__rlimit_resource_t(RLIMIT_CPU.rawValue), &cpu)
        var core = rlimit(rlim_cur: 0, rlim_max: 0)
        setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &core)
        #endif
    }

    /// The long-lived worker (`manualbot extract --serve`): reads one request a line on stdin —
    /// a JSON array `[input path, output path]` — parses the input, writes the outcome's JSON to
    /// the output path and answers `done` on stdout. Every file gets the full CPU-time budget
    /// (the soft limit moves up before each one); the address-space limit holds for the process.
    /// Exits when stdin closes or after `idleSeconds` without a request.
    /// OCR (`ocr`) stops starting pages once the file's budget — the smaller of the CPU limit and
    /// the parent's wall-clock timeout (`wallSeconds`), less a margin — is used up, so a long scan
    /// ends with the pages done so far instead of a killed worker.
    public static func serve(limits: Limits, ocr: OCROptions = .off, wallSeconds: Int? = nil, idleSeconds: Int32 = 30) -> Int32 {
        applyLimits(limits, openCPUCeiling: true)
        let encoder = JSONEncoder()
        defer { TesseractOCR.releaseShared() }
        while true {
            var poller = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, idleSeconds * 1000) > 0, let line = readLine(strippingNewline: true) else { return 0 }
            guard let request = try? JSONDecoder().decode([String].self, from: Data(line.utf8)), request.count == 2 else { return 3 }
            #if os(Linux)
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            let used = Int(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + 1
            var budget = rlimit(rlim_cur: rlim_t(used + limits.cpuSeconds), rlim_max: rlim_t.max)
            setrlimit(__rlimit_resource_t(RLIMIT_CPU.rawValue), &budget)
            #endif
            // "ocr" tells the parent that what follows is OCR: if this process dies now, the
            // parent parses the file again without it (IsolatedExtractor).
            let run = OCRRun.tesseract(ocr, budget: ocrBudget(limits: limits, wallSeconds: wallSeconds)) {
                FileHandle.standardOutput.write(Data("ocr\n".utf8))
            }
            let outcome = extract(path: request[0], ocr: run)
            guard let json = try? encoder.encode(outcome), (try? json.write(to: URL(fileURLWithPath: request[1]))) != nil else { return 3 }
            FileHandle.standardOutput.write(Data("done\n".utf8))
            FreedMemory.returnToSystem()  // what the last document used, before the next one
        }
    }

    /// How long OCR may run in one file: 90% of the smaller budget, less 2 s for the rest of the
    /// parse and writing the result.
    static func ocrBudget(limits: Limits, wallSeconds: Int?) -> Duration {
        let budget = Double(min(limits.cpuSeconds, wallSeconds ?? limits.cpuSeconds))
        return .milliseconds(Int64(max(0, budget * 0.9 - 2) * 1000))
    }

    /// Runs the child's whole job: limits, parse, JSON to stdout.
    public static func runChild(path: String, limits: Limits, ocr: OCROptions = .off) -> Int32 {
        applyLimits(limits)
        let outcome = extract(path: path, ocr: .tesseract(ocr, budget: ocrBudget(limits: limits, wallSeconds: nil)))
        TesseractOCR.releaseShared()
        let encoder = JSONEncoder()
        guard let json = try? encoder.encode(outcome) else { return 3 }
        FileHandle.standardOutput.write(json)
        if case .failure = outcome { return 2 }
        return 0
    }
}
