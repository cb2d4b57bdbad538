/// Options that change how a ``WebRequest`` is sent and reported: CEF's `cef_urlrequest_flags_t`.
///
/// The raw values are CEF's current bits, so a flag word written by a CEF or cefpython program
/// means the same here.
public struct RequestFlags: OptionSet, Sendable, Hashable {
    public let rawValue: Int32

    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// Do not read from the cache, but still write to it (`UR_FLAG_SKIP_CACHE`, 1).
    public static let skipCache = RequestFlags(rawValue: 1 << 0)
    /// Fail with ``NetworkError/cacheMiss`` when the response is not cached (`UR_FLAG_ONLY_FROM_CACHE`, 2).
    public static let onlyFromCache = RequestFlags(rawValue: 1 << 1)
    /// Neither read nor write the cache (`UR_FLAG_DISABLE_CACHE`, 4).
    public static let disableCache = RequestFlags(rawValue: 1 << 2)
    /// Send and store cookies, and answer authentication challenges (`UR_FLAG_ALLOW_STORED_CREDENTIALS`, 8).
    public static let allowStoredCredentials = RequestFlags(rawValue: 1 << 3)
    /// Report upload progress to the client (`UR_FLAG_REPORT_UPLOAD_PROGRESS`, 16).
    public static let reportUploadProgress = RequestFlags(rawValue: 1 << 4)
    /// Do not deliver the body; the browser does not even read it (`UR_FLAG_NO_DOWNLOAD_DATA`, 32).
    public static let noDownloadData = RequestFlags(rawValue: 1 << 5)
    /// Do not retry a 5xx response (`UR_FLAG_NO_RETRY_ON_5XX`, 64). Renderer requests never retry.
    public static let noRetryOn5xx = RequestFlags(rawValue: 1 << 6)
    /// Stop at the first redirect and complete as canceled (`UR_FLAG_STOP_ON_REDIRECT`, 128).
    public static let stopOnRedirect = RequestFlags(rawValue: 1 << 7)

    /// Every flag with its command-line name, in CEF's bit order.
    public static let namedFlags: [(name: String, flag: RequestFlags)] = [
        ("skip-cache", .skipCache),
        ("only-from-cache", .onlyFromCache),
        ("disable-cache", .disableCache),
        ("allow-stored-credentials", .allowStoredCredentials),
        ("report-upload-progress", .reportUploadProgress),
        ("no-download-data", .noDownloadData),
        ("no-retry-on-5xx", .noRetryOn5xx),
        ("stop-on-redirect", .stopOnRedirect),
    ]

    /// The flag with this command-line name (`"stop-on-redirect"`), or `nil`.
    public init?(name: String) {
        guard let entry = Self.namedFlags.first(where: { $0.name == name }) else { return nil }
        self = entry.flag
    }
}
