// When and how long to wait before trying an S3 call again: the AWS SDKs' "standard" mode,
// exponential backoff with full jitter, capped.
import Foundation

public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included (the SDKs' default is 3).
    public var maxAttempts: Int
    /// The first retry waits up to this long; each further one up to twice as long.
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 3, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(20)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    public static let none = RetryPolicy(maxAttempts: 1)

    /// The wait before attempt `attempt + 1` (attempt counts from 1): random in
    /// [0, min(maxDelay, baseDelay·2^(attempt-1))], so replicas that failed together do not
    /// come back together.
    public func delay(afterAttempt attempt: Int) -> Duration {
        let ceiling = min(maxDelay, baseDelay * Int(1 << min(attempt - 1, 20)))
        let nanoseconds = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        guard nanoseconds > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...nanoseconds))
    }
}
