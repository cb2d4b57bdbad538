import Synchronization

/// How much delivered body is waiting for its consumer. Past ``highWater`` the transfer pauses
/// (libcurl keeps the chunk and offers it again); it resumes once the backlog drains to
/// ``lowWater``. This bounds memory however slow the consumer is.
///
/// The mark sits above what one turn of libcurl reads: while a socket has data, libcurl 7.88
/// goes on reading it, up to 100 reads of 16 KiB (1.6 MiB) in one `curl_multi_perform`, and
/// consumers hear of a turn's body at the earliest as it goes. With a 1 MiB mark a fast download
/// paused in nearly every turn, in the browser process as through a renderer (about 1,200 pauses
/// per GiB), and each pause and resume cost the network thread more than the bytes did.
package final class FlowControl: Sendable {
    /// The backlog past which a transfer pauses. Through a renderer it is the body window the
    /// browser announces in `Welcome`: what this enforces is what the renderer is told.
    package static let highWater = 4 << 20
    static let lowWater = 3 << 20

    private struct State {
        var pending = 0
        var paused = false
    }

    private let state = Mutex(State())

    /// Across every transfer of the process: how often one paused, and the largest backlog one
    /// had. Tests read these to see the bound hold.
    package static let pauses = Atomic<Int>(0)
    package static let peakBacklog = Atomic<Int>(0)

    /// Reserves room for `bytes`; `false` means pause (nothing reserved).
    func admit(_ bytes: Int) -> Bool {
        let backlog: Int? = state.withLock { state in
            guard state.pending < Self.highWater else {
                state.paused = true
                return nil
            }
            state.pending += bytes
            return state.pending
        }
        guard let backlog else {
            Self.pauses.wrappingAdd(1, ordering: .relaxed)
            return false
        }
        Self.peakBacklog.max(backlog, ordering: .relaxed)
        return true
    }

    /// Whether the backlog is below ``highWater``; `false` marks the transfer paused, as a
    /// refused ``admit(_:)`` does. A transfer that decodes asks this before each chunk, then
    /// admits what it decoded: at most one chunk past the mark.
    func hasRoom() -> Bool {
        admit(0)
    }

    /// Releases `bytes`; `true` means the transfer was paused and should resume now.
    func consume(_ bytes: Int) -> Bool {
        state.withLock { state in
            state.pending -= bytes
            guard state.paused, state.pending <= Self.lowWater else { return false }
            state.paused = false
            return true
        }
    }
}
