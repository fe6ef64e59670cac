// The `semantic` part of /api/v1/health: which model, whether every passage has its vector, and
// why semantic search is off when it is. Read from SemanticIndex's in-memory status (no SQL).
import SemanticSearch

struct SemanticHealth: Encodable, Equatable {
    var enabled: Bool
    var model: String?
    /// loading, ready (the model works), unavailable or off.
    var state: String
    var ready: Bool
    /// Documents with a passage still waiting for its vector.
    var pending: Int
    var readyPassages: Int
    var pendingPassages: Int
    var reason: String?

    enum CodingKeys: String, CodingKey {
        case enabled, model, state, ready, pending, readyPassages = "ready_passages", pendingPassages = "pending_passages", reason
    }

    /// `model` is always there (null before a model is loaded); `reason` only when there is one.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(enabled, forKey: .enabled)
        try container.encode(model, forKey: .model)
        try container.encode(state, forKey: .state)
        try container.encode(ready, forKey: .ready)
        try container.encode(pending, forKey: .pending)
        try container.encode(readyPassages, forKey: .readyPassages)
        try container.encode(pendingPassages, forKey: .pendingPassages)
        try container.encodeIfPresent(reason, forKey: .reason)
    }

    init(_ status: SemanticIndex.Status?, offReason: String) {
        guard let status else {
            (enabled, model, state, ready, pending, readyPassages, pendingPassages, reason) = (false, nil, "off", false, 0, 0, 0, offReason)
            return
        }
        enabled = true
        model = status.model
        ready = status.ready
        pending = status.counts.pendingDocuments
        readyPassages = status.counts.readyPassages
        pendingPassages = status.counts.pendingPassages
        switch status.state {
        case .loading: (state, reason) = ("loading", nil)
        case .ready: (state, reason) = ("ready", nil)
        case .unavailable(let why): (state, reason) = ("unavailable", why)
        }
    }
}
