// The parent side of isolated parsing: each file is parsed by a `manualbot extract --serve`
// worker process (ParseWorker, kept for the next file when it answers), under a wall-clock
// timeout, at most `concurrency` at a time, and every way a worker can die (crash, hang,
// memory or CPU limit, garbage on stdout) becomes that file's ExtractionError.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public protocol DocumentExtractor: Sendable {
    func extract(fileAt path: String) async -> ExtractionOutcome
}

public struct IsolatedExtractor: DocumentExtractor {
    public var executable: String
    public var timeout: Duration
    public var limits: ExtractWorker.Limits
    /// What the workers do with pages that have no usable text layer.
    public var ocr: OCROptions
    let slots: ConcurrencyLimiter
    let pool = ParseWorkerPool()

    public init(executable: String, timeout: Duration = .seconds(120), limits: ExtractWorker.Limits = .init(), concurrency: Int = 2,
                ocr: OCROptions = OCROptions()) {
        self.executable = executable
        self.timeout = timeout
        self.limits = limits
        self.ocr = ocr
        self.slots = ConcurrencyLimiter(limit: concurrency)
    }

    /// The running binary itself: the server parses by re-executing its own `extract` command.
    public static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// A parse that already runs when the task is cancelled finishes; one still waiting for a
    /// worker does not start (`.cancelled`), so a shutdown waits for at most the running parses.
    public func extract(fileAt path: String) async -> ExtractionOutcome {
        await slots.withSlot {
            if Task.isCancelled { return .failure(.cancelled) }
            return await parseInWorker(path)
        }
    }

    func parseInWorker(_ path: String) async -> ExtractionOutcome {
        let output = FileManager.default.temporaryDirectory
            .appendingPathComponent("manualbot-extract-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: output) }
        // A worker that has parsed before gets one retry in a fresh worker if it fails: its
        // failure may be its own past (memory left from an earlier file), not this file.
        if let worker = await pool.take() {
            let (outcome, reply) = await parse(path, output: output, in: worker)
            if reply != .done, worker.reachedOCR, case .failure(let error) = outcome {
                try? FileManager.default.removeItem(at: output)
                return await parseWithoutOCR(path, output: output, after: error)
            }
            switch reply {
            case .done, .died(.timedOut): return outcome
            case .died, .garbled: try? FileManager.default.removeItem(at: output)
            }
        }
        let worker: ParseWorker
        do {
            worker = try ParseWorker(executable: executable, limits: limits, ocr: ocr, wallSeconds: Int(timeout.components.seconds))
        } catch {
            return .failure(ExtractionError(.crashed, "cannot start the parser process: \(error)"))
        }
        let (outcome, reply) = await parse(path, output: output, in: worker)
        guard reply != .done, worker.reachedOCR, case .failure(let error) = outcome else { return outcome }
        try? FileManager.default.removeItem(at: output)
        return await parseWithoutOCR(path, output: output, after: error)
    }

    /// The worker died (memory, CPU, wall clock, crash) while OCRing: the file's text layer is
    /// parsed again in a fresh worker with OCR off, so the document keeps what it has and its
    /// scanned pages stay needs_ocr with the reason. That worker is not pooled (OCR is off in it).
    func parseWithoutOCR(_ path: String, output: URL, after error: ExtractionError) async -> ExtractionOutcome {
        guard let worker = try? ParseWorker(executable: executable, limits: limits, ocr: .off,
                                            wallSeconds: Int(timeout.components.seconds)) else { return .failure(error) }
        let reply = await worker.parse(input: path, output: output.path, timeout: timeout)
        worker.stop()
        guard case .document(var document) = outcome(of: reply, output: output) else { return .failure(error) }
        for index in document.ocrPages.indices {
            document.ocrPages[index].reason = "OCR stopped the parse (\(error.reason)); the text layer was parsed again without OCR"
        }
        return .document(document)
    }

    /// One file in one worker; the worker goes back to the pool only when it answered.
    func parse(_ path: String, output: URL, in worker: ParseWorker) async -> (outcome: ExtractionOutcome, reply: ParseWorker.Reply) {
        let reply = await worker.parse(input: path, output: output.path, timeout: timeout)
        if reply == .done { await pool.giveBack(worker) }
        return (outcome(of: reply, output: output), reply)
    }

    func outcome(of reply: ParseWorker.Reply, output: URL) -> ExtractionOutcome {
        let data = (try? Data(contentsOf: output)) ?? Data()
        let outcome = try? JSONDecoder().decode(ExtractionOutcome.self, from: data)
        let noResult = ExtractionError(.resourceLimit, "the PDF parser stopped without a result (memory limit \(limits.memoryBytes >> 20) MB or a damaged file)")
        switch reply {
        case .done:
            return outcome ?? .failure(noResult)
        case .died(.timedOut):
            return .failure(ExtractionError(.timeout, "parsing took longer than \(timeout) and was stopped"))
        case .died(.signalled(let signal)) where signal == SIGXCPU:
            return .failure(ExtractionError(.resourceLimit, "parsing used more than \(limits.cpuSeconds) s of CPU and was stopped"))
        case .died(.signalled(let signal)):
            return .failure(ExtractionError(.crashed, "the PDF parser crashed (signal \(signal)); the file is probably damaged"))
        case .died(.exited), .garbled:
            return .failure(noResult)
        }
    }
}

/// Lets at most `limit` operations run at once; the rest wait in order.
public actor ConcurrencyLimiter {
    let limit: Int
    var running = 0
    var waiters: [CheckedContinuation<Void, Never>] = []

    public init(limit: Int) { self.limit = max(1, limit) }

    public func withSlot<T: Sendable>(_ operation: @Sendable () async -> T) async -> T {
        await acquire()
        let result = await operation()
        release()
        return result
    }

    func acquire() async {
        if running < limit {
            running += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            running -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
