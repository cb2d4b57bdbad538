extension WebRequestStateMachine {
    /// The callbacks one event produces, in order, held inline: at most three (an upload's last
    /// progress, then the data or the download's progress, then the completion). An array of
    /// them cost one allocation per event, about three per small request, in every client's
    /// loop: a renderer's and the browser process's alike.
    package struct Actions: RandomAccessCollection, ExpressibleByArrayLiteral {
        /// The most one event makes.
        package static let capacity = 3

        private var first: Action?
        private var second: Action?
        private var third: Action?
        package private(set) var count = 0

        package init() {}

        package init(arrayLiteral actions: Action...) {
            for action in actions { append(action) }
        }

        package var startIndex: Int { 0 }
        package var endIndex: Int { count }

        package subscript(position: Int) -> Action {
            precondition(position >= 0 && position < count, "index \(position) out of \(count) actions")
            switch position {
            case 0: return first!
            case 1: return second!
            default: return third!
            }
        }

        /// Adds the next callback; an event that makes more than ``capacity`` is a bug in the
        /// state machine.
        package mutating func append(_ action: Action) {
            switch count {
            case 0: first = action
            case 1: second = action
            case 2: third = action
            default: preconditionFailure("an event makes at most \(Self.capacity) callbacks")
            }
            count += 1
        }
    }
}
