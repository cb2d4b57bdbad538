/// An ordered header multimap: CEF's `HeaderMap`.
///
/// Names keep the spelling they were added with; lookups ignore case. A name may appear more
/// than once, and the order of entries is the order on the wire.
public struct HeaderMap: Sendable, Hashable, Sequence, ExpressibleByArrayLiteral {
    /// The entries, in order.
    public private(set) var entries: [(name: String, value: String)]

    /// Creates a map from `(name, value)` pairs, in order.
    public init(_ entries: [(name: String, value: String)] = []) {
        self.entries = entries
    }

    public init(arrayLiteral elements: (String, String)...) {
        self.entries = elements.map { (name: $0.0, value: $0.1) }
    }

    /// The number of entries.
    public var count: Int { entries.count }

    /// Whether the map has no entries.
    public var isEmpty: Bool { entries.isEmpty }

    /// The first value for `name` (any case), or `nil`: CEF's `GetHeaderByName`.
    public subscript(name: String) -> String? {
        entries.first { Self.sameName($0.name, name) }?.value
    }

    /// Every value for `name` (any case), in order.
    public func values(for name: String) -> [String] {
        entries.filter { Self.sameName($0.name, name) }.map(\.value)
    }

    /// Appends an entry, keeping any existing ones.
    public mutating func add(_ name: String, _ value: String) {
        entries.append((name: name, value: value))
    }

    /// Sets `name` to `value`: CEF's `SetHeaderByName`. With `overwrite`, existing entries for
    /// the name are replaced by one; without it, an existing entry is left alone.
    public mutating func set(_ name: String, _ value: String, overwrite: Bool = true) {
        if let index = entries.firstIndex(where: { Self.sameName($0.name, name) }) {
            guard overwrite else { return }
            entries[index].value = value
            var seen = false
            entries.removeAll { entry in
                guard Self.sameName(entry.name, name) else { return false }
                defer { seen = true }
                return seen
            }
        } else {
            entries.append((name: name, value: value))
        }
    }

    /// Makes room for `count` entries in all, so that adding them one by one grows nothing.
    package mutating func reserveCapacity(_ count: Int) {
        entries.reserveCapacity(count)
    }

    /// Removes every entry for `name` (any case).
    public mutating func remove(_ name: String) {
        entries.removeAll { Self.sameName($0.name, name) }
    }

    /// Whether two field names are the same, ignoring ASCII case: names are tokens (RFC 9110
    /// §5.1), so this is `lowercased() ==` without building two strings per comparison.
    static func sameName(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        return a.utf8.elementsEqual(b.utf8) { x, y in
            x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= UInt8(ascii: "a") && (x | 0x20) <= UInt8(ascii: "z"))
        }
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        entries.makeIterator()
    }

    public static func == (lhs: HeaderMap, rhs: HeaderMap) -> Bool {
        lhs.entries.elementsEqual(rhs.entries) { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for entry in entries {
            hasher.combine(entry.name)
            hasher.combine(entry.value)
        }
    }
}
