@testable import BrowserHostCore
import Testing

/// The ids a connection's renderer used: exact answers, in memory that stays small for ids that
/// come nearly in order.
@Suite("UsedRequestIDs")
struct UsedRequestIDsTests {
    /// Inserts each id and returns which were new (`#expect` cannot call a mutating method).
    private func insert(_ ids: [UInt64], into used: inout UsedRequestIDs) -> [Bool] {
        ids.map { used.insert($0) }
    }

    @Test func idsInOrderHoldNothingApart() {
        var used = UsedRequestIDs()
        let fresh = insert(Array(1...100_000), into: &used)
        #expect(fresh.allSatisfy { $0 })
        #expect(used.heldApart == 0)
        #expect(used.contains(1) && used.contains(100_000))
        #expect(!used.contains(100_001))
        #expect(!used.contains(0), "id 0 is never used")
    }

    @Test func idsOutOfOrderAreHeldUntilTheGapCloses() {
        var used = UsedRequestIDs()
        #expect(insert([2, 3, 5], into: &used) == [true, true, true])
        #expect(used.heldApart == 3)
        #expect(!used.contains(1) && !used.contains(4))
        #expect(insert([1], into: &used) == [true])
        #expect(used.heldApart == 1, "1, 2 and 3 are a run now; 5 waits for 4")
        #expect(insert([4], into: &used) == [true])
        #expect(used.heldApart == 0)
        #expect((1...5).allSatisfy { used.contains($0) })
    }

    @Test func anIdUsedTwiceIsRefusedWhereverItIsKept() {
        var used = UsedRequestIDs()
        #expect(insert([1, 9], into: &used) == [true, true])
        #expect(insert([1], into: &used) == [false], "below the run's end")
        #expect(insert([9], into: &used) == [false], "held apart")
        #expect(insert([UInt64.max, UInt64.max], into: &used) == [true, false])
    }
}
