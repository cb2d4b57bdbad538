/// Bytes sent across a channel and not yet credited back, oldest first, each with what to do
/// when its credit arrives: the IPC protocol's flow control as a plain value. The browser keeps
/// one per renderer request for the body it sends (its tokens let the paused transfer go on);
/// a renderer keeps one per streamed upload, bounded by the upload window.
package struct CreditLedger<Token> {
    private var entries: [(bytes: Int, token: Token?)] = []
    /// Bytes sent and not yet credited.
    package private(set) var outstanding = 0
    /// How many bytes may be outstanding at once, or `nil` for no bound.
    package let window: Int?

    package init(window: Int? = nil) {
        self.window = window
    }

    /// What may be sent now before credit comes back.
    package var available: Int {
        window.map { max($0 - outstanding, 0) } ?? Int.max
    }

    /// Records `bytes` sent, with `token` to hand back once all of them are credited.
    package mutating func sent(_ bytes: Int, token: Token? = nil) {
        entries.append((bytes, token))
        outstanding += bytes
    }

    /// Credits `bytes`, oldest first. Returns the tokens of the entries now wholly credited, in
    /// order, or `nil` (and changes nothing) when that is more than was sent: the other side
    /// broke the protocol.
    package mutating func credit(_ bytes: Int) -> [Token]? {
        guard bytes >= 0, bytes <= outstanding else { return nil }
        outstanding -= bytes
        var remaining = bytes
        var released: [Token] = []
        var credited = 0
        while remaining > 0, credited < entries.count {
            if entries[credited].bytes <= remaining {
                remaining -= entries[credited].bytes
                if let token = entries[credited].token { released.append(token) }
                credited += 1
            } else {
                entries[credited].bytes -= remaining
                remaining = 0
            }
        }
        entries.removeFirst(credited)
        return released
    }
}

extension CreditLedger: Sendable where Token: Sendable {}
