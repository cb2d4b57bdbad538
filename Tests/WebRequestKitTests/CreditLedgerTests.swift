import Testing
import WebRequestKit

@Suite("CreditLedger: the IPC protocol's credit")
struct CreditLedgerTests {
    @Test func creditReleasesWholeEntriesOldestFirst() {
        var ledger = CreditLedger<String>()
        ledger.sent(100, token: "a")
        ledger.sent(50, token: "b")
        ledger.sent(10)
        #expect(ledger.outstanding == 160)
        #expect(ledger.credit(60) == [], "a is not wholly consumed yet")
        #expect(ledger.credit(40) == ["a"])
        #expect(ledger.credit(60) == ["b"], "an entry without a token releases nothing")
        #expect(ledger.outstanding == 0)
    }

    @Test func moreCreditThanWasSentIsRefusedAndChangesNothing() {
        var ledger = CreditLedger<Int>()
        ledger.sent(10, token: 1)
        #expect(ledger.credit(11) == nil)
        #expect(ledger.credit(-1) == nil)
        #expect(ledger.outstanding == 10)
        #expect(ledger.credit(10) == [1])
    }

    @Test func aWindowBoundsWhatMayBeSent() {
        var ledger = CreditLedger<Never>(window: 100)
        #expect(ledger.available == 100)
        ledger.sent(70)
        #expect(ledger.available == 30)
        ledger.sent(30)
        #expect(ledger.available == 0)
        _ = ledger.credit(50)
        #expect(ledger.available == 50)
        #expect(CreditLedger<Never>().available == Int.max)
    }
}
