@testable import BrowserNetwork
import Glibc
import Testing

/// The network thread's inbox on its own, no thread: when a post writes to the wake-up pipe.
@Suite("The network thread's inbox")
struct NetworkInboxTests {
    /// The bytes waiting in the inbox's pipe, read out.
    func pipeBytes(_ inbox: NetworkInbox) -> Int {
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(inbox.wakeDescriptor, &buffer, buffer.count)
        return max(count, 0)
    }

    @Test func aPostWakesTheThreadOnlyWhileItSleeps() throws {
        let inbox = try NetworkInbox()
        inbox.post(.cancel(1))
        #expect(inbox.wakeupsWritten == 0, "the thread is awake and looks before it sleeps")
        #expect(!inbox.prepareToSleep(), "a command waits: the thread only looks")
        inbox.awake()
        #expect(inbox.take().count == 1)

        #expect(inbox.prepareToSleep())
        inbox.post(.cancel(2))
        inbox.post(.cancel(3))
        #expect(inbox.wakeupsWritten == 1, "one wake-up per batch")
        #expect(pipeBytes(inbox) == 1)
        inbox.awake()
        #expect(inbox.take().count == 2)

        inbox.post(.cancel(4))
        #expect(inbox.wakeupsWritten == 1)
        #expect(pipeBytes(inbox) == 0)
    }
}
