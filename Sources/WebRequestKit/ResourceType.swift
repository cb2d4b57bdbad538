/// What a request loads: CEF's `cef_resource_type_t`. URL requests default to ``subResource``.
public enum ResourceType: Int32, Sendable, Hashable, CaseIterable {
    case mainFrame = 0
    case subFrame = 1
    case stylesheet = 2
    case script = 3
    case image = 4
    case fontResource = 5
    case subResource = 6
    case object = 7
    case media = 8
    case worker = 9
    case sharedWorker = 10
    case prefetch = 11
    case favicon = 12
    case xhr = 13
    case ping = 14
    case serviceWorker = 15
    case cspReport = 16
    case pluginResource = 17
    case navigationPreloadMainFrame = 19
    case navigationPreloadSubFrame = 20
}

/// How the navigation that caused a request began: CEF's `cef_transition_type_t`.
///
/// The low byte is the source (``source``); the high bits are qualifiers such as
/// ``serverRedirectFlag``. URL requests default to ``explicit``.
public struct TransitionType: RawRepresentable, Sendable, Hashable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public static let link = TransitionType(rawValue: 0)
    public static let explicit = TransitionType(rawValue: 1)
    public static let autoBookmark = TransitionType(rawValue: 2)
    public static let autoSubframe = TransitionType(rawValue: 3)
    public static let manualSubframe = TransitionType(rawValue: 4)
    public static let generated = TransitionType(rawValue: 5)
    public static let autoToplevel = TransitionType(rawValue: 6)
    public static let formSubmit = TransitionType(rawValue: 7)
    public static let reload = TransitionType(rawValue: 8)
    public static let keyword = TransitionType(rawValue: 9)
    public static let keywordGenerated = TransitionType(rawValue: 10)

    public static let blockedFlag = TransitionType(rawValue: 0x0080_0000)
    public static let forwardBackFlag = TransitionType(rawValue: 0x0100_0000)
    public static let directLoadFlag = TransitionType(rawValue: 0x0200_0000)
    public static let homePageFlag = TransitionType(rawValue: 0x0400_0000)
    public static let fromAPIFlag = TransitionType(rawValue: 0x0800_0000)
    public static let chainStartFlag = TransitionType(rawValue: 0x1000_0000)
    public static let chainEndFlag = TransitionType(rawValue: 0x2000_0000)
    public static let clientRedirectFlag = TransitionType(rawValue: 0x4000_0000)
    public static let serverRedirectFlag = TransitionType(rawValue: 0x8000_0000)

    /// The source part (`TT_SOURCE_MASK`, the low byte).
    public var source: TransitionType { TransitionType(rawValue: rawValue & 0xFF) }
    /// The qualifier part (`TT_QUALIFIER_MASK`).
    public var qualifiers: TransitionType { TransitionType(rawValue: rawValue & 0xFFFF_FF00) }
    /// Whether a client or server redirect flag is set (`TT_IS_REDIRECT_MASK`).
    public var isRedirect: Bool { rawValue & 0xC000_0000 != 0 }

    /// This transition with the qualifier `flag` added.
    public func adding(_ flag: TransitionType) -> TransitionType {
        TransitionType(rawValue: rawValue | flag.rawValue)
    }
}
