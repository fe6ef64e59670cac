// The parent side of isolated parsing: runs `manualbot extract FILE` in a child process with a
// wall-clock timeout, at most `concurrency` at a time, and turns every way a child can die
// (crash, hang, memory or CPU limit, garbage on stdout) into an ExtractionError.
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
    let slots: ConcurrencyLimiter

    public init(executable: String, timeout: Duration = .seconds(120), limits: ExtractWorker.Limits = .init(), concurrency: Int = 2) {
        self.executable = executable
        self.timeout = timeout
        self.limits = limits
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
            return await runChild(path)
        }
    }

    func runChild(_ path: String) async -> ExtractionOutcome {
        let output = FileManager.default.temporaryDirectory
            .appendingPathComponent("manualbot-extract-\(UUID().uuidString).json")
        guard FileManager.default.createFile(atPath: output.path, contents: nil),
              let outputHandle = try? FileHandle(forWritingTo: output) else {
            return .failure(ExtractionError(.crashed, "cannot create a temporary file for the parser"))
        }
        defer { try? FileManager.default.removeItem(at: output) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "extract", path,
            "--max-memory-mb", String(limits.memoryBytes >> 20),
            "--max-cpu-seconds", String(limits.cpuSeconds),
        ]
        // stdout goes to a file, not a pipe: a large document cannot dead-lock on a full pipe.
        process.standardOutput = outputHandle
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice

        let status: ChildExit
        do {
            status = try await run(process)
        } catch {
            try? outputHandle.close()
            return .failure(ExtractionError(.crashed, "cannot start the parser process: \(error)"))
        }
        try? outputHandle.close()

        let data = (try? Data(contentsOf: output)) ?? Data()
        switch status {
        case .timedOut:
            return .failure(ExtractionError(.timeout, "parsing took longer than \(timeout) and was stopped"))
        case .signalled(let signal) where signal == SIGXCPU:
            return .failure(ExtractionError(.resourceLimit, "parsing used more than \(limits.cpuSeconds) s of CPU and was stopped"))
        case .signalled(let signal):
            return .failure(ExtractionError(.crashed, "the PDF parser crashed (signal \(signal)); the file is probably damaged"))
        case .exited:
            if let outcome = try? JSONDecoder().decode(ExtractionOutcome.self, from: data) {
                return outcome
            }
            return .failure(ExtractionError(.resourceLimit, "the PDF parser stopped without a result (memory limit \(limits.memoryBytes >> 20) MB or a damaged file)"))
        }
    }

    enum ChildExit { case exited(Int32), signalled(Int32), timedOut }

    /// Runs the process; kills it with SIGKILL when the wall-clock timeout passes.
    func run(_ process: Process) async throws -> ChildExit {
        let timedOut = TimeoutFlag()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ChildExit, Error>) in
            process.terminationHandler = { finished in
                timedOut.cancelKiller()
                if timedOut.isSet {
                    continuation.resume(returning: .timedOut)
                } else if finished.terminationReason == .uncaughtSignal {
                    continuation.resume(returning: .signalled(finished.terminationStatus))
                } else {
                    continuation.resume(returning: .exited(finished.terminationStatus))
                }
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            let pid = process.processIdentifier
            let timeout = self.timeout
            timedOut.setKiller(Task {
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled, process.isRunning else { return }
                timedOut.set()
                kill(pid, SIGKILL)
            })
        }
    }
}

/// Shared between the timeout task and the termination handler: whether the child was killed
/// for its time, and the timer to cancel once it exits on its own.
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
