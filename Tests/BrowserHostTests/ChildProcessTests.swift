import Glibc
import Testing

/// The harness's memory figure is the child's own: every memory bound of the suites rests on it.
@Suite("Child processes: peak memory and lifetime")
struct ChildProcessTests {
    @Test func peakMemoryIsTheChildsOwnNotTheTestProcesss() throws {
        // This process grows by 64 MiB first: a figure that counted the memory before the
        // child's exec (as `ru_maxrss` does) could not stay under 16 MiB for `sleep`.
        let ballast = [UInt8](repeating: 1, count: 64 << 20)
        let small = try ChildProcess("/bin/sleep", ["0.3"]).wait()
        withExtendedLifetime(ballast) {}
        #expect(small.status == 0)
        #expect(small.maxRSSKiB < 16 << 10, "sleep's peak RSS \(small.maxRSSKiB) KiB")

        // dd reads into one buffer of 96 MiB, so its own peak is above that.
        let large = try ChildProcess("/bin/dd", ["if=/dev/zero", "of=/dev/null", "bs=96M", "count=8"]).wait()
        #expect(large.status == 0)
        #expect(large.maxRSSKiB > 96 << 10, "dd's peak RSS \(large.maxRSSKiB) KiB with a 96 MiB buffer")
    }

    /// A test that fails before it stops its browser must not leave the browser running.
    @Test func aChildNobodyWaitedForEndsWithItsObject() throws {
        var child: ChildProcess? = try ChildProcess("/bin/sleep", ["60"])
        let pid = try #require(child?.pid)
        #expect(kill(pid, 0) == 0, "running")
        child = nil
        #expect(kill(pid, 0) == -1 && errno == ESRCH, "killed and reaped, not a zombie")
    }
}
