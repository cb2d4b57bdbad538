/// Which part of the referrer a request sends, and when: CEF's `cef_referrer_policy_t`.
///
/// The eight values are Chromium's; the comments give the equivalent web (Blink) policy.
public enum ReferrerPolicy: Int32, Sendable, Hashable, CaseIterable {
    /// `no-referrer-when-downgrade`; CEF's `REFERRER_POLICY_DEFAULT`.
    case clearReferrerOnTransitionFromSecureToInsecure = 0
    /// `strict-origin-when-cross-origin`.
    case reduceReferrerGranularityOnTransitionCrossOrigin = 1
    /// `origin-when-cross-origin`.
    case originOnlyOnTransitionCrossOrigin = 2
    /// `unsafe-url`: always the full referrer.
    case neverClearReferrer = 3
    /// `origin`.
    case origin = 4
    /// `same-origin`.
    case clearReferrerOnTransitionCrossOrigin = 5
    /// `strict-origin`.
    case originClearOnTransitionFromSecureToInsecure = 6
    /// `no-referrer`.
    case noReferrer = 7

    /// CEF's default policy.
    public static let `default` = ReferrerPolicy.clearReferrerOnTransitionFromSecureToInsecure

    /// The kebab-case name used on the command line (`"no-referrer"`, `"origin"`, ...).
    public var name: String {
        switch self {
        case .clearReferrerOnTransitionFromSecureToInsecure: "clear-referrer-on-transition-from-secure-to-insecure"
        case .reduceReferrerGranularityOnTransitionCrossOrigin: "reduce-referrer-granularity-on-transition-cross-origin"
        case .originOnlyOnTransitionCrossOrigin: "origin-only-on-transition-cross-origin"
        case .neverClearReferrer: "never-clear-referrer"
        case .origin: "origin"
        case .clearReferrerOnTransitionCrossOrigin: "clear-referrer-on-transition-cross-origin"
        case .originClearOnTransitionFromSecureToInsecure: "origin-clear-on-transition-from-secure-to-insecure"
        case .noReferrer: "no-referrer"
        }
    }

    /// The policy with this kebab-case CEF name; `"default"` and the web policy names
    /// (`"strict-origin-when-cross-origin"`, `"unsafe-url"`, ...) are accepted too.
    public init?(name: String) {
        let aliases: [String: ReferrerPolicy] = [
            "default": .default,
            "no-referrer-when-downgrade": .clearReferrerOnTransitionFromSecureToInsecure,
            "strict-origin-when-cross-origin": .reduceReferrerGranularityOnTransitionCrossOrigin,
            "origin-when-cross-origin": .originOnlyOnTransitionCrossOrigin,
            "unsafe-url": .neverClearReferrer,
            "same-origin": .clearReferrerOnTransitionCrossOrigin,
            "strict-origin": .originClearOnTransitionFromSecureToInsecure,
        ]
        if let policy = Self.allCases.first(where: { $0.name == name }) ?? aliases[name] {
            self = policy
        } else {
            return nil
        }
    }
}
