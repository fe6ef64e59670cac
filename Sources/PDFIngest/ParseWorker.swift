// One long-lived parse worker (`manualbot extract --serve`) and the pool that keeps idle ones.
// Starting the binary costs ~20 ms (the dynamic loader resolving ~75 shared libraries), more
// than parsing a typical manual; a worker pays it once for many files. It still runs one file
// at a time under its own limits, so a crash, hang or limit costs only that file and that
// worker: the next file gets a fresh one.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Unchecked Sendable: a worker belongs either to the pool or to the one parse that took it
/// from there, never to two tasks at once.
final class ParseWorker: @unchecked Sendable {
    enum Reply: Equatable {
        /// The outcome is in the output file.
        case done
        /// The worker answered something else: it is not a parse worker, or it broke.
        case garbled
        /// The worker is gone: it exited, was signalled, or was killed at the timeout.
        case died(ChildExit)
    }

    enum ChildExit: Equatable { case exited(Int32), signalled(Int32), timedOut }

    let process: Process
    private let requests: FileHandle
    private let answers: FileHandle
    private let exited = DispatchSemaphore(value: 0)
    /// Files parsed so far.
    var served = 0
    /// The current file's parse reached OCR (the worker said `ocr` before rendering pages): if
    /// the worker dies now, OCR is the likely cause and the text layer alone may still parse.
    private(set) var reachedOCR = false
    var idleSince = ContinuousClock.now

    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    init(executable: String, limits: ExtractWorker.Limits, ocr: OCROptions = .off, wallSeconds: Int? = nil) throws {
        _ = Self.ignoreBrokenPipes  // a request to a worker that just died must not kill us
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "extract", "--serve",
            "--max-memory-mb", String(limits.memoryBytes >> 20),
            "--max-cpu-seconds", String(limits.cpuSeconds),
        ] + ocr.workerArguments + (wallSeconds.map { ["--wall-seconds", String($0)] } ?? [])
        // Tesseract's OpenMP loops would start several threads a page; a worker gets one core's
        // worth (two workers share the machine), and libgomp reads this only at load time.
        var environment = ProcessInfo.processInfo.environment
        environment["OMP_THREAD_LIMIT"] = "1"
        process.environment = environment
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        requests = input.fileHandleForWriting
        answers = output.fileHandleForReading
        let exited = exited
        process.terminationHandler = { _ in exited.signal() }
        // run() closes our copies of the child's pipe ends, so its death reads as end of file.
        try process.run()
    }

    /// Sends one request and waits for the answer; kills the worker with SIGKILL when
    /// `timeout` passes first.
    func parse(input: String, output: String, timeout: Duration) async -> Reply {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        guard let line = try? encoder.encode([input, output]),
              (try? requests.write(contentsOf: line + Data("\n".utf8))) != nil else {
            return .died(await exitStatus(killedForTime: false))
        }
        let timedOut = TimeoutFlag()
        let pid = process.processIdentifier
        timedOut.setKiller(Task {
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            timedOut.set()
            kill(pid, SIGKILL)
        })
        reachedOCR = false
        let answer = await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
            DispatchQueue.global().async {
                var line = self.readLine()
                while line == "ocr" {
                    self.reachedOCR = true
                    line = self.readLine()
                }
                continuation.resume(returning: line)
            }
        }
        timedOut.cancelKiller()
        switch answer {
        case "done"?:
            served += 1
            return .done
        case .some:
            kill(pid, SIGKILL)
            _ = await exitStatus(killedForTime: false)
            return .garbled
        case nil:
            return .died(await exitStatus(killedForTime: timedOut.isSet))
        }
    }

    /// Ends an idle worker: it exits when its stdin closes.
    func stop() {
        try? requests.close()
    }

    /// One line from the worker, without its newline; nil at end of file (the worker died).
    private func readLine() -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(answers.fileDescriptor, &byte, 1)
            if count == 1 {
                if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
                bytes.append(byte)
                if bytes.count > 4096 { return String(decoding: bytes, as: UTF8.self) }
            } else if count < 0, errno == EINTR {
                continue
            } else {
                return nil
            }
        }
    }

    /// How the worker ended, once it has (waited for off the async threads).
    private func exitStatus(killedForTime: Bool) async -> ChildExit {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: self.waitForExit(killedForTime: killedForTime)) }
        }
    }

    private func waitForExit(killedForTime: Bool) -> ChildExit {
        exited.wait()
        exited.signal()  // later waits return at once
        if killedForTime { return .timedOut }
        return process.terminationReason == .uncaughtSignal ? .signalled(process.terminationStatus) : .exited(process.terminationStatus)
    }
}

/// Idle workers, ready for the next file. A worker is retired after `maximumFiles` files (the
/// address-space limit holds for its whole life) or when it has idled long enough that it may
/// be about to exit on its own (it waits 30 s for a request).
actor ParseWorkerPool {
    private var idle: [ParseWorker] = []
    static let maximumFiles = 64
    static let maximumIdle: Duration = .seconds(10)

    func take() -> ParseWorker? {
        while let worker = idle.popLast() {
            if ContinuousClock.now - worker.idleSince < Self.maximumIdle { return worker }
            worker.stop()
        }
        return nil
    }

    func giveBack(_ worker: ParseWorker) {
        guard worker.served < Self.maximumFiles else { worker.stop(); return }
        worker.idleSince = .now
        idle.append(worker)
    }
}

/// Shared between a parse's timeout task and its wait for the answer: whether the worker was
/// killed for its time, and the timer to cancel once the answer came.
final class TimeoutFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    private var killer: Task<Void, Never>?
    private var finished = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
    func setKiller(_ task: Task<Void, Never>) {
        let cancelNow = lock.withLock { () -> Bool in
            if finished { return true }
            killer = task
            return false
        }
        if cancelNow { task.cancel() }
    }
    func cancelKiller() {
        lock.withLock {
            finished = true
            killer?.cancel()
        }
    }
}
