// The constants and the table are CEF's cef_errorcode_t (Chromium's net_error_list.h), as CEF
// users meet it, generated into NetworkError+Table.swift from scripts/net-error-list.txt.

/// A network error with CEF's numeric code and name (`cef_errorcode_t`).
///
/// ``WebRequest/error`` is ``none`` unless the request was canceled or failed. Codes are
/// Chromium's: negative numbers such as ``aborted`` (-3) or ``connectionRefused`` (-102). A code
/// that is not in the table keeps its number and gets the name `ERR_UNKNOWN_<code>`.
public struct NetworkError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The numeric code: 0 for ``none``, negative for errors.
    public let code: Int32

    /// Creates the error with this numeric code.
    public init(code: Int32) {
        self.code = code
    }

    /// CEF's name for the code, such as `"ERR_ABORTED"`; `"ERR_NONE"` for 0.
    public var name: String {
        if code == 0 { return "ERR_NONE" }
        return Self.names[code].map { "ERR_" + $0 } ?? "ERR_UNKNOWN_\(-code)"
    }

    /// The error whose CEF name is `name` (with or without the `ERR_` prefix), or `nil`.
    public init?(name: String) {
        let bare = name.hasPrefix("ERR_") ? String(name.dropFirst(4)) : name
        if bare == "NONE" {
            self = .none
            return
        }
        guard let code = Self.codes[bare] else { return nil }
        self.code = code
    }

    /// Whether the code is one CEF defines.
    public var isKnown: Bool { code == 0 || Self.names[code] != nil }

    public var description: String { "\(name) (\(code))" }

    /// No error (`ERR_NONE`, 0).
    public static let none = NetworkError(code: 0)

    // The generator refuses a list with a code or a name twice.
    private static let names = Dictionary(uniqueKeysWithValues: table.map { ($0.code, $0.name) })

    private static let codes = Dictionary(uniqueKeysWithValues: table.map { ($0.name, $0.code) })
}
