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
        entries.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Every value for `name` (any case), in order.
    public func values(for name: String) -> [String] {
        let lowered = name.lowercased()
        return entries.filter { $0.name.lowercased() == lowered }.map(\.value)
    }

    /// Appends an entry, keeping any existing ones.
    public mutating func add(_ name: String, _ value: String) {
        entries.append((name: name, value: value))
    }

    /// Sets `name` to `value`: CEF's `SetHeaderByName`. With `overwrite`, existing entries for
    /// the name are replaced by one; without it, an existing entry is left alone.
    public mutating func set(_ name: String, _ value: String, overwrite: Bool = true) {
        let lowered = name.lowercased()
        if let index = entries.firstIndex(where: { $0.name.lowercased() == lowered }) {
            guard overwrite else { return }
            entries[index].value = value
            var seen = false
            entries.removeAll { entry in
                guard entry.name.lowercased() == lowered else { return false }
                defer { seen = true }
                return seen
            }
        } else {
            entries.append((name: name, value: value))
        }
    }

    /// Removes every entry for `name` (any case).
    public mutating func remove(_ name: String) {
        let lowered = name.lowercased()
        entries.removeAll { $0.name.lowercased() == lowered }
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
