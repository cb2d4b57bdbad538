/// Which transfers may use the network now, and which wait their turn: the network thread's
/// version of Chromium's socket pool limit (256 sockets per pool; a request past it waits in
/// the pool, in order, until one is released).
///
/// A transfer counts while it *runs*: from its start until it ends, except while it waits on
/// its client (to drain its body, to send the next piece of an upload, to answer a challenge).
/// Such a transfer gives its place up, so a client that stops reading, whether slow or hostile,
/// holds back only its own requests; it takes a place again when it goes on, past the limit if
/// need be, since it was admitted once already. New transfers wait while `running` is at the
/// limit and start in the order they came as places come free.
///
/// A plain value: the network thread owns it, and its tests drive it without libcurl.
struct TransferAdmission<Waiting> {
    /// How many transfers may run at once before new ones wait (at least 1).
    let limit: Int
    /// Transfers running now (may exceed ``limit`` after resumptions).
    private(set) var running = 0
    /// Arrival order of the waiting transfers' ids; ids withdrawn meanwhile are skipped.
    private var order: [UInt64] = []
    /// Where the next transfer to admit is in ``order``.
    private var head = 0
    private var waiting: [UInt64: Waiting] = [:]

    /// A limit below 1 counts as 1: a limit of 0 would admit nothing.
    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// A transfer arrives: `true` when it may start now (it is counted as running), `false`
    /// when it waits (``next()`` hands it out later).
    mutating func arrive(_ id: UInt64, _ item: Waiting) -> Bool {
        if waiting.isEmpty, running < limit {
            running += 1
            return true
        }
        order.append(id)
        waiting[id] = item
        return false
    }

    /// The next waiting transfer, counted as running, if a place is free.
    mutating func next() -> Waiting? {
        while running < limit, head < order.count {
            let id = order[head]
            head += 1
            if head == order.count {
                order.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 1024, head * 2 >= order.count {
                order.removeFirst(head)
                head = 0
            }
            if let item = waiting.removeValue(forKey: id) {
                running += 1
                return item
            }
        }
        return nil
    }

    /// A waiting transfer leaves before it started (it was canceled): returns it, or `nil` if
    /// no transfer with `id` waits.
    mutating func withdraw(_ id: UInt64) -> Waiting? {
        waiting.removeValue(forKey: id)
    }

    /// A running transfer stopped running: it ended, or waits on its client.
    mutating func release() {
        precondition(running > 0, "a transfer released a place no transfer held")
        running -= 1
    }

    /// A transfer that waited on its client runs again: it takes a place at once.
    mutating func retake() {
        running += 1
    }

    /// Every waiting transfer, in order, leaving none (the stack is shutting down).
    mutating func removeAllWaiting() -> [Waiting] {
        let items = order[head...].compactMap { waiting.removeValue(forKey: $0) }
        order.removeAll()
        head = 0
        return items
    }
}
