// The table below is CEF's cef_errorcode_t (Chromium's net_error_list.h), as CEF users meet it.

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

    /// `ERR_IO_PENDING` (-1).
    public static let ioPending = NetworkError(code: -1)
    /// `ERR_FAILED` (-2).
    public static let failed = NetworkError(code: -2)
    /// `ERR_ABORTED` (-3).
    public static let aborted = NetworkError(code: -3)
    /// `ERR_INVALID_ARGUMENT` (-4).
    public static let invalidArgument = NetworkError(code: -4)
    /// `ERR_INVALID_HANDLE` (-5).
    public static let invalidHandle = NetworkError(code: -5)
    /// `ERR_FILE_NOT_FOUND` (-6).
    public static let fileNotFound = NetworkError(code: -6)
    /// `ERR_TIMED_OUT` (-7).
    public static let timedOut = NetworkError(code: -7)
    /// `ERR_FILE_TOO_BIG` (-8).
    public static let fileTooBig = NetworkError(code: -8)
    /// `ERR_UNEXPECTED` (-9).
    public static let unexpected = NetworkError(code: -9)
    /// `ERR_ACCESS_DENIED` (-10).
    public static let accessDenied = NetworkError(code: -10)
    /// `ERR_NOT_IMPLEMENTED` (-11).
    public static let notImplemented = NetworkError(code: -11)
    /// `ERR_INSUFFICIENT_RESOURCES` (-12).
    public static let insufficientResources = NetworkError(code: -12)
    /// `ERR_OUT_OF_MEMORY` (-13).
    public static let outOfMemory = NetworkError(code: -13)
    /// `ERR_UPLOAD_FILE_CHANGED` (-14).
    public static let uploadFileChanged = NetworkError(code: -14)
    /// `ERR_SOCKET_NOT_CONNECTED` (-15).
    public static let socketNotConnected = NetworkError(code: -15)
    /// `ERR_FILE_EXISTS` (-16).
    public static let fileExists = NetworkError(code: -16)
    /// `ERR_FILE_PATH_TOO_LONG` (-17).
    public static let filePathTooLong = NetworkError(code: -17)
    /// `ERR_FILE_NO_SPACE` (-18).
    public static let fileNoSpace = NetworkError(code: -18)
    /// `ERR_FILE_VIRUS_INFECTED` (-19).
    public static let fileVirusInfected = NetworkError(code: -19)
    /// `ERR_BLOCKED_BY_CLIENT` (-20).
    public static let blockedByClient = NetworkError(code: -20)
    /// `ERR_NETWORK_CHANGED` (-21).
    public static let networkChanged = NetworkError(code: -21)
    /// `ERR_BLOCKED_BY_ADMINISTRATOR` (-22).
    public static let blockedByAdministrator = NetworkError(code: -22)
    /// `ERR_SOCKET_IS_CONNECTED` (-23).
    public static let socketIsConnected = NetworkError(code: -23)
    /// `ERR_UPLOAD_STREAM_REWIND_NOT_SUPPORTED` (-25).
    public static let uploadStreamRewindNotSupported = NetworkError(code: -25)
    /// `ERR_CONTEXT_SHUT_DOWN` (-26).
    public static let contextShutDown = NetworkError(code: -26)
    /// `ERR_BLOCKED_BY_RESPONSE` (-27).
    public static let blockedByResponse = NetworkError(code: -27)
    /// `ERR_CLEARTEXT_NOT_PERMITTED` (-29).
    public static let cleartextNotPermitted = NetworkError(code: -29)
    /// `ERR_BLOCKED_BY_CSP` (-30).
    public static let blockedByCSP = NetworkError(code: -30)
    /// `ERR_H2_OR_QUIC_REQUIRED` (-31).
    public static let h2OrQUICRequired = NetworkError(code: -31)
    /// `ERR_BLOCKED_BY_ORB` (-32).
    public static let blockedByORB = NetworkError(code: -32)
    /// `ERR_CONNECTION_CLOSED` (-100).
    public static let connectionClosed = NetworkError(code: -100)
    /// `ERR_CONNECTION_RESET` (-101).
    public static let connectionReset = NetworkError(code: -101)
    /// `ERR_CONNECTION_REFUSED` (-102).
    public static let connectionRefused = NetworkError(code: -102)
    /// `ERR_CONNECTION_ABORTED` (-103).
    public static let connectionAborted = NetworkError(code: -103)
    /// `ERR_CONNECTION_FAILED` (-104).
    public static let connectionFailed = NetworkError(code: -104)
    /// `ERR_NAME_NOT_RESOLVED` (-105).
    public static let nameNotResolved = NetworkError(code: -105)
    /// `ERR_INTERNET_DISCONNECTED` (-106).
    public static let internetDisconnected = NetworkError(code: -106)
    /// `ERR_SSL_PROTOCOL_ERROR` (-107).
    public static let sslProtocolError = NetworkError(code: -107)
    /// `ERR_ADDRESS_INVALID` (-108).
    public static let addressInvalid = NetworkError(code: -108)
    /// `ERR_ADDRESS_UNREACHABLE` (-109).
    public static let addressUnreachable = NetworkError(code: -109)
    /// `ERR_SSL_CLIENT_AUTH_CERT_NEEDED` (-110).
    public static let sslClientAuthCertNeeded = NetworkError(code: -110)
    /// `ERR_TUNNEL_CONNECTION_FAILED` (-111).
    public static let tunnelConnectionFailed = NetworkError(code: -111)
    /// `ERR_NO_SSL_VERSIONS_ENABLED` (-112).
    public static let noSSLVersionsEnabled = NetworkError(code: -112)
    /// `ERR_SSL_VERSION_OR_CIPHER_MISMATCH` (-113).
    public static let sslVersionOrCipherMismatch = NetworkError(code: -113)
    /// `ERR_SSL_RENEGOTIATION_REQUESTED` (-114).
    public static let sslRenegotiationRequested = NetworkError(code: -114)
    /// `ERR_PROXY_AUTH_UNSUPPORTED` (-115).
    public static let proxyAuthUnsupported = NetworkError(code: -115)
    /// `ERR_BAD_SSL_CLIENT_AUTH_CERT` (-117).
    public static let badSSLClientAuthCert = NetworkError(code: -117)
    /// `ERR_CONNECTION_TIMED_OUT` (-118).
    public static let connectionTimedOut = NetworkError(code: -118)
    /// `ERR_HOST_RESOLVER_QUEUE_TOO_LARGE` (-119).
    public static let hostResolverQueueTooLarge = NetworkError(code: -119)
    /// `ERR_SOCKS_CONNECTION_FAILED` (-120).
    public static let socksConnectionFailed = NetworkError(code: -120)
    /// `ERR_SOCKS_CONNECTION_HOST_UNREACHABLE` (-121).
    public static let socksConnectionHostUnreachable = NetworkError(code: -121)
    /// `ERR_ALPN_NEGOTIATION_FAILED` (-122).
    public static let alpnNegotiationFailed = NetworkError(code: -122)
    /// `ERR_SSL_NO_RENEGOTIATION` (-123).
    public static let sslNoRenegotiation = NetworkError(code: -123)
    /// `ERR_WINSOCK_UNEXPECTED_WRITTEN_BYTES` (-124).
    public static let winsockUnexpectedWrittenBytes = NetworkError(code: -124)
    /// `ERR_SSL_DECOMPRESSION_FAILURE_ALERT` (-125).
    public static let sslDecompressionFailureAlert = NetworkError(code: -125)
    /// `ERR_SSL_BAD_RECORD_MAC_ALERT` (-126).
    public static let sslBadRecordMACAlert = NetworkError(code: -126)
    /// `ERR_PROXY_AUTH_REQUESTED` (-127).
    public static let proxyAuthRequested = NetworkError(code: -127)
    /// `ERR_PROXY_CONNECTION_FAILED` (-130).
    public static let proxyConnectionFailed = NetworkError(code: -130)
    /// `ERR_MANDATORY_PROXY_CONFIGURATION_FAILED` (-131).
    public static let mandatoryProxyConfigurationFailed = NetworkError(code: -131)
    /// `ERR_PRECONNECT_MAX_SOCKET_LIMIT` (-133).
    public static let preconnectMaxSocketLimit = NetworkError(code: -133)
    /// `ERR_SSL_CLIENT_AUTH_PRIVATE_KEY_ACCESS_DENIED` (-134).
    public static let sslClientAuthPrivateKeyAccessDenied = NetworkError(code: -134)
    /// `ERR_SSL_CLIENT_AUTH_CERT_NO_PRIVATE_KEY` (-135).
    public static let sslClientAuthCertNoPrivateKey = NetworkError(code: -135)
    /// `ERR_PROXY_CERTIFICATE_INVALID` (-136).
    public static let proxyCertificateInvalid = NetworkError(code: -136)
    /// `ERR_NAME_RESOLUTION_FAILED` (-137).
    public static let nameResolutionFailed = NetworkError(code: -137)
    /// `ERR_NETWORK_ACCESS_DENIED` (-138).
    public static let networkAccessDenied = NetworkError(code: -138)
    /// `ERR_TEMPORARILY_THROTTLED` (-139).
    public static let temporarilyThrottled = NetworkError(code: -139)
    /// `ERR_SSL_CLIENT_AUTH_SIGNATURE_FAILED` (-141).
    public static let sslClientAuthSignatureFailed = NetworkError(code: -141)
    /// `ERR_MSG_TOO_BIG` (-142).
    public static let messageTooBig = NetworkError(code: -142)
    /// `ERR_WS_PROTOCOL_ERROR` (-145).
    public static let wsProtocolError = NetworkError(code: -145)
    /// `ERR_ADDRESS_IN_USE` (-147).
    public static let addressInUse = NetworkError(code: -147)
    /// `ERR_SSL_PINNED_KEY_NOT_IN_CERT_CHAIN` (-150).
    public static let sslPinnedKeyNotInCertChain = NetworkError(code: -150)
    /// `ERR_CLIENT_AUTH_CERT_TYPE_UNSUPPORTED` (-151).
    public static let clientAuthCertTypeUnsupported = NetworkError(code: -151)
    /// `ERR_SSL_DECRYPT_ERROR_ALERT` (-153).
    public static let sslDecryptErrorAlert = NetworkError(code: -153)
    /// `ERR_WS_THROTTLE_QUEUE_TOO_LARGE` (-154).
    public static let wsThrottleQueueTooLarge = NetworkError(code: -154)
    /// `ERR_SSL_SERVER_CERT_CHANGED` (-156).
    public static let sslServerCertChanged = NetworkError(code: -156)
    /// `ERR_SSL_UNRECOGNIZED_NAME_ALERT` (-159).
    public static let sslUnrecognizedNameAlert = NetworkError(code: -159)
    /// `ERR_SOCKET_SET_RECEIVE_BUFFER_SIZE_ERROR` (-160).
    public static let socketSetReceiveBufferSizeError = NetworkError(code: -160)
    /// `ERR_SOCKET_SET_SEND_BUFFER_SIZE_ERROR` (-161).
    public static let socketSetSendBufferSizeError = NetworkError(code: -161)
    /// `ERR_SOCKET_RECEIVE_BUFFER_SIZE_UNCHANGEABLE` (-162).
    public static let socketReceiveBufferSizeUnchangeable = NetworkError(code: -162)
    /// `ERR_SOCKET_SEND_BUFFER_SIZE_UNCHANGEABLE` (-163).
    public static let socketSendBufferSizeUnchangeable = NetworkError(code: -163)
    /// `ERR_SSL_CLIENT_AUTH_CERT_BAD_FORMAT` (-164).
    public static let sslClientAuthCertBadFormat = NetworkError(code: -164)
    /// `ERR_ICANN_NAME_COLLISION` (-166).
    public static let icannNameCollision = NetworkError(code: -166)
    /// `ERR_SSL_SERVER_CERT_BAD_FORMAT` (-167).
    public static let sslServerCertBadFormat = NetworkError(code: -167)
    /// `ERR_CT_STH_PARSING_FAILED` (-168).
    public static let ctSTHParsingFailed = NetworkError(code: -168)
    /// `ERR_CT_STH_INCOMPLETE` (-169).
    public static let ctSTHIncomplete = NetworkError(code: -169)
    /// `ERR_UNABLE_TO_REUSE_CONNECTION_FOR_PROXY_AUTH` (-170).
    public static let unableToReuseConnectionForProxyAuth = NetworkError(code: -170)
    /// `ERR_CT_CONSISTENCY_PROOF_PARSING_FAILED` (-171).
    public static let ctConsistencyProofParsingFailed = NetworkError(code: -171)
    /// `ERR_SSL_OBSOLETE_CIPHER` (-172).
    public static let sslObsoleteCipher = NetworkError(code: -172)
    /// `ERR_WS_UPGRADE` (-173).
    public static let wsUpgrade = NetworkError(code: -173)
    /// `ERR_READ_IF_READY_NOT_IMPLEMENTED` (-174).
    public static let readIfReadyNotImplemented = NetworkError(code: -174)
    /// `ERR_NO_BUFFER_SPACE` (-176).
    public static let noBufferSpace = NetworkError(code: -176)
    /// `ERR_SSL_CLIENT_AUTH_NO_COMMON_ALGORITHMS` (-177).
    public static let sslClientAuthNoCommonAlgorithms = NetworkError(code: -177)
    /// `ERR_EARLY_DATA_REJECTED` (-178).
    public static let earlyDataRejected = NetworkError(code: -178)
    /// `ERR_WRONG_VERSION_ON_EARLY_DATA` (-179).
    public static let wrongVersionOnEarlyData = NetworkError(code: -179)
    /// `ERR_TLS13_DOWNGRADE_DETECTED` (-180).
    public static let tls13DowngradeDetected = NetworkError(code: -180)
    /// `ERR_SSL_KEY_USAGE_INCOMPATIBLE` (-181).
    public static let sslKeyUsageIncompatible = NetworkError(code: -181)
    /// `ERR_INVALID_ECH_CONFIG_LIST` (-182).
    public static let invalidECHConfigList = NetworkError(code: -182)
    /// `ERR_ECH_NOT_NEGOTIATED` (-183).
    public static let echNotNegotiated = NetworkError(code: -183)
    /// `ERR_ECH_FALLBACK_CERTIFICATE_INVALID` (-184).
    public static let echFallbackCertificateInvalid = NetworkError(code: -184)
    /// `ERR_CERT_COMMON_NAME_INVALID` (-200).
    public static let certCommonNameInvalid = NetworkError(code: -200)
    /// `ERR_CERT_DATE_INVALID` (-201).
    public static let certDateInvalid = NetworkError(code: -201)
    /// `ERR_CERT_AUTHORITY_INVALID` (-202).
    public static let certAuthorityInvalid = NetworkError(code: -202)
    /// `ERR_CERT_CONTAINS_ERRORS` (-203).
    public static let certContainsErrors = NetworkError(code: -203)
    /// `ERR_CERT_NO_REVOCATION_MECHANISM` (-204).
    public static let certNoRevocationMechanism = NetworkError(code: -204)
    /// `ERR_CERT_UNABLE_TO_CHECK_REVOCATION` (-205).
    public static let certUnableToCheckRevocation = NetworkError(code: -205)
    /// `ERR_CERT_REVOKED` (-206).
    public static let certRevoked = NetworkError(code: -206)
    /// `ERR_CERT_INVALID` (-207).
    public static let certInvalid = NetworkError(code: -207)
    /// `ERR_CERT_WEAK_SIGNATURE_ALGORITHM` (-208).
    public static let certWeakSignatureAlgorithm = NetworkError(code: -208)
    /// `ERR_CERT_NON_UNIQUE_NAME` (-210).
    public static let certNonUniqueName = NetworkError(code: -210)
    /// `ERR_CERT_WEAK_KEY` (-211).
    public static let certWeakKey = NetworkError(code: -211)
    /// `ERR_CERT_NAME_CONSTRAINT_VIOLATION` (-212).
    public static let certNameConstraintViolation = NetworkError(code: -212)
    /// `ERR_CERT_VALIDITY_TOO_LONG` (-213).
    public static let certValidityTooLong = NetworkError(code: -213)
    /// `ERR_CERTIFICATE_TRANSPARENCY_REQUIRED` (-214).
    public static let certificateTransparencyRequired = NetworkError(code: -214)
    /// `ERR_CERT_SYMANTEC_LEGACY` (-215).
    public static let certSymantecLegacy = NetworkError(code: -215)
    /// `ERR_CERT_KNOWN_INTERCEPTION_BLOCKED` (-217).
    public static let certKnownInterceptionBlocked = NetworkError(code: -217)
    /// `ERR_CERT_END` (-219).
    public static let certEnd = NetworkError(code: -219)
    /// `ERR_INVALID_URL` (-300).
    public static let invalidURL = NetworkError(code: -300)
    /// `ERR_DISALLOWED_URL_SCHEME` (-301).
    public static let disallowedURLScheme = NetworkError(code: -301)
    /// `ERR_UNKNOWN_URL_SCHEME` (-302).
    public static let unknownURLScheme = NetworkError(code: -302)
    /// `ERR_INVALID_REDIRECT` (-303).
    public static let invalidRedirect = NetworkError(code: -303)
    /// `ERR_TOO_MANY_REDIRECTS` (-310).
    public static let tooManyRedirects = NetworkError(code: -310)
    /// `ERR_UNSAFE_REDIRECT` (-311).
    public static let unsafeRedirect = NetworkError(code: -311)
    /// `ERR_UNSAFE_PORT` (-312).
    public static let unsafePort = NetworkError(code: -312)
    /// `ERR_INVALID_RESPONSE` (-320).
    public static let invalidResponse = NetworkError(code: -320)
    /// `ERR_INVALID_CHUNKED_ENCODING` (-321).
    public static let invalidChunkedEncoding = NetworkError(code: -321)
    /// `ERR_METHOD_NOT_SUPPORTED` (-322).
    public static let methodNotSupported = NetworkError(code: -322)
    /// `ERR_UNEXPECTED_PROXY_AUTH` (-323).
    public static let unexpectedProxyAuth = NetworkError(code: -323)
    /// `ERR_EMPTY_RESPONSE` (-324).
    public static let emptyResponse = NetworkError(code: -324)
    /// `ERR_RESPONSE_HEADERS_TOO_BIG` (-325).
    public static let responseHeadersTooBig = NetworkError(code: -325)
    /// `ERR_PAC_SCRIPT_FAILED` (-327).
    public static let pacScriptFailed = NetworkError(code: -327)
    /// `ERR_REQUEST_RANGE_NOT_SATISFIABLE` (-328).
    public static let requestRangeNotSatisfiable = NetworkError(code: -328)
    /// `ERR_MALFORMED_IDENTITY` (-329).
    public static let malformedIdentity = NetworkError(code: -329)
    /// `ERR_CONTENT_DECODING_FAILED` (-330).
    public static let contentDecodingFailed = NetworkError(code: -330)
    /// `ERR_NETWORK_IO_SUSPENDED` (-331).
    public static let networkIOSuspended = NetworkError(code: -331)
    /// `ERR_SYN_REPLY_NOT_RECEIVED` (-332).
    public static let synReplyNotReceived = NetworkError(code: -332)
    /// `ERR_ENCODING_CONVERSION_FAILED` (-333).
    public static let encodingConversionFailed = NetworkError(code: -333)
    /// `ERR_UNRECOGNIZED_FTP_DIRECTORY_LISTING_FORMAT` (-334).
    public static let unrecognizedFTPDirectoryListingFormat = NetworkError(code: -334)
    /// `ERR_NO_SUPPORTED_PROXIES` (-336).
    public static let noSupportedProxies = NetworkError(code: -336)
    /// `ERR_HTTP2_PROTOCOL_ERROR` (-337).
    public static let http2ProtocolError = NetworkError(code: -337)
    /// `ERR_INVALID_AUTH_CREDENTIALS` (-338).
    public static let invalidAuthCredentials = NetworkError(code: -338)
    /// `ERR_UNSUPPORTED_AUTH_SCHEME` (-339).
    public static let unsupportedAuthScheme = NetworkError(code: -339)
    /// `ERR_ENCODING_DETECTION_FAILED` (-340).
    public static let encodingDetectionFailed = NetworkError(code: -340)
    /// `ERR_MISSING_AUTH_CREDENTIALS` (-341).
    public static let missingAuthCredentials = NetworkError(code: -341)
    /// `ERR_UNEXPECTED_SECURITY_LIBRARY_STATUS` (-342).
    public static let unexpectedSecurityLibraryStatus = NetworkError(code: -342)
    /// `ERR_MISCONFIGURED_AUTH_ENVIRONMENT` (-343).
    public static let misconfiguredAuthEnvironment = NetworkError(code: -343)
    /// `ERR_UNDOCUMENTED_SECURITY_LIBRARY_STATUS` (-344).
    public static let undocumentedSecurityLibraryStatus = NetworkError(code: -344)
    /// `ERR_RESPONSE_BODY_TOO_BIG_TO_DRAIN` (-345).
    public static let responseBodyTooBigToDrain = NetworkError(code: -345)
    /// `ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_LENGTH` (-346).
    public static let responseHeadersMultipleContentLength = NetworkError(code: -346)
    /// `ERR_INCOMPLETE_HTTP2_HEADERS` (-347).
    public static let incompleteHTTP2Headers = NetworkError(code: -347)
    /// `ERR_PAC_NOT_IN_DHCP` (-348).
    public static let pacNotInDHCP = NetworkError(code: -348)
    /// `ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_DISPOSITION` (-349).
    public static let responseHeadersMultipleContentDisposition = NetworkError(code: -349)
    /// `ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION` (-350).
    public static let responseHeadersMultipleLocation = NetworkError(code: -350)
    /// `ERR_HTTP2_SERVER_REFUSED_STREAM` (-351).
    public static let http2ServerRefusedStream = NetworkError(code: -351)
    /// `ERR_HTTP2_PING_FAILED` (-352).
    public static let http2PingFailed = NetworkError(code: -352)
    /// `ERR_CONTENT_LENGTH_MISMATCH` (-354).
    public static let contentLengthMismatch = NetworkError(code: -354)
    /// `ERR_INCOMPLETE_CHUNKED_ENCODING` (-355).
    public static let incompleteChunkedEncoding = NetworkError(code: -355)
    /// `ERR_QUIC_PROTOCOL_ERROR` (-356).
    public static let quicProtocolError = NetworkError(code: -356)
    /// `ERR_RESPONSE_HEADERS_TRUNCATED` (-357).
    public static let responseHeadersTruncated = NetworkError(code: -357)
    /// `ERR_QUIC_HANDSHAKE_FAILED` (-358).
    public static let quicHandshakeFailed = NetworkError(code: -358)
    /// `ERR_HTTP2_INADEQUATE_TRANSPORT_SECURITY` (-360).
    public static let http2InadequateTransportSecurity = NetworkError(code: -360)
    /// `ERR_HTTP2_FLOW_CONTROL_ERROR` (-361).
    public static let http2FlowControlError = NetworkError(code: -361)
    /// `ERR_HTTP2_FRAME_SIZE_ERROR` (-362).
    public static let http2FrameSizeError = NetworkError(code: -362)
    /// `ERR_HTTP2_COMPRESSION_ERROR` (-363).
    public static let http2CompressionError = NetworkError(code: -363)
    /// `ERR_PROXY_AUTH_REQUESTED_WITH_NO_CONNECTION` (-364).
    public static let proxyAuthRequestedWithNoConnection = NetworkError(code: -364)
    /// `ERR_HTTP_1_1_REQUIRED` (-365).
    public static let http11Required = NetworkError(code: -365)
    /// `ERR_PROXY_HTTP_1_1_REQUIRED` (-366).
    public static let proxyHTTP11Required = NetworkError(code: -366)
    /// `ERR_PAC_SCRIPT_TERMINATED` (-367).
    public static let pacScriptTerminated = NetworkError(code: -367)
    /// `ERR_INVALID_HTTP_RESPONSE` (-370).
    public static let invalidHTTPResponse = NetworkError(code: -370)
    /// `ERR_CONTENT_DECODING_INIT_FAILED` (-371).
    public static let contentDecodingInitFailed = NetworkError(code: -371)
    /// `ERR_HTTP2_RST_STREAM_NO_ERROR_RECEIVED` (-372).
    public static let http2RstStreamNoErrorReceived = NetworkError(code: -372)
    /// `ERR_TOO_MANY_RETRIES` (-375).
    public static let tooManyRetries = NetworkError(code: -375)
    /// `ERR_HTTP2_STREAM_CLOSED` (-376).
    public static let http2StreamClosed = NetworkError(code: -376)
    /// `ERR_HTTP_RESPONSE_CODE_FAILURE` (-379).
    public static let httpResponseCodeFailure = NetworkError(code: -379)
    /// `ERR_QUIC_CERT_ROOT_NOT_KNOWN` (-380).
    public static let quicCertRootNotKnown = NetworkError(code: -380)
    /// `ERR_QUIC_GOAWAY_REQUEST_CAN_BE_RETRIED` (-381).
    public static let quicGoawayRequestCanBeRetried = NetworkError(code: -381)
    /// `ERR_TOO_MANY_ACCEPT_CH_RESTARTS` (-382).
    public static let tooManyAcceptCHRestarts = NetworkError(code: -382)
    /// `ERR_INCONSISTENT_IP_ADDRESS_SPACE` (-383).
    public static let inconsistentIPAddressSpace = NetworkError(code: -383)
    /// `ERR_CACHED_IP_ADDRESS_SPACE_BLOCKED_BY_PRIVATE_NETWORK_ACCESS_POLICY` (-384).
    public static let cachedIPAddressSpaceBlockedByPrivateNetworkAccessPolicy = NetworkError(code: -384)
    /// `ERR_BLOCKED_BY_PRIVATE_NETWORK_ACCESS_CHECKS` (-385).
    public static let blockedByPrivateNetworkAccessChecks = NetworkError(code: -385)
    /// `ERR_ZSTD_WINDOW_SIZE_TOO_BIG` (-386).
    public static let zstdWindowSizeTooBig = NetworkError(code: -386)
    /// `ERR_DICTIONARY_LOAD_FAILED` (-387).
    public static let dictionaryLoadFailed = NetworkError(code: -387)
    /// `ERR_UNEXPECTED_CONTENT_DICTIONARY_HEADER` (-388).
    public static let unexpectedContentDictionaryHeader = NetworkError(code: -388)
    /// `ERR_CACHE_MISS` (-400).
    public static let cacheMiss = NetworkError(code: -400)
    /// `ERR_CACHE_READ_FAILURE` (-401).
    public static let cacheReadFailure = NetworkError(code: -401)
    /// `ERR_CACHE_WRITE_FAILURE` (-402).
    public static let cacheWriteFailure = NetworkError(code: -402)
    /// `ERR_CACHE_OPERATION_NOT_SUPPORTED` (-403).
    public static let cacheOperationNotSupported = NetworkError(code: -403)
    /// `ERR_CACHE_OPEN_FAILURE` (-404).
    public static let cacheOpenFailure = NetworkError(code: -404)
    /// `ERR_CACHE_CREATE_FAILURE` (-405).
    public static let cacheCreateFailure = NetworkError(code: -405)
    /// `ERR_CACHE_RACE` (-406).
    public static let cacheRace = NetworkError(code: -406)
    /// `ERR_CACHE_CHECKSUM_READ_FAILURE` (-407).
    public static let cacheChecksumReadFailure = NetworkError(code: -407)
    /// `ERR_CACHE_CHECKSUM_MISMATCH` (-408).
    public static let cacheChecksumMismatch = NetworkError(code: -408)
    /// `ERR_CACHE_LOCK_TIMEOUT` (-409).
    public static let cacheLockTimeout = NetworkError(code: -409)
    /// `ERR_CACHE_AUTH_FAILURE_AFTER_READ` (-410).
    public static let cacheAuthFailureAfterRead = NetworkError(code: -410)
    /// `ERR_CACHE_ENTRY_NOT_SUITABLE` (-411).
    public static let cacheEntryNotSuitable = NetworkError(code: -411)
    /// `ERR_CACHE_DOOM_FAILURE` (-412).
    public static let cacheDoomFailure = NetworkError(code: -412)
    /// `ERR_CACHE_OPEN_OR_CREATE_FAILURE` (-413).
    public static let cacheOpenOrCreateFailure = NetworkError(code: -413)
    /// `ERR_INSECURE_RESPONSE` (-501).
    public static let insecureResponse = NetworkError(code: -501)
    /// `ERR_NO_PRIVATE_KEY_FOR_CERT` (-502).
    public static let noPrivateKeyForCert = NetworkError(code: -502)
    /// `ERR_ADD_USER_CERT_FAILED` (-503).
    public static let addUserCertFailed = NetworkError(code: -503)
    /// `ERR_INVALID_SIGNED_EXCHANGE` (-504).
    public static let invalidSignedExchange = NetworkError(code: -504)
    /// `ERR_INVALID_WEB_BUNDLE` (-505).
    public static let invalidWebBundle = NetworkError(code: -505)
    /// `ERR_TRUST_TOKEN_OPERATION_FAILED` (-506).
    public static let trustTokenOperationFailed = NetworkError(code: -506)
    /// `ERR_TRUST_TOKEN_OPERATION_SUCCESS_WITHOUT_SENDING_REQUEST` (-507).
    public static let trustTokenOperationSuccessWithoutSendingRequest = NetworkError(code: -507)
    /// `ERR_PKCS12_IMPORT_BAD_PASSWORD` (-701).
    public static let pkcs12ImportBadPassword = NetworkError(code: -701)
    /// `ERR_PKCS12_IMPORT_FAILED` (-702).
    public static let pkcs12ImportFailed = NetworkError(code: -702)
    /// `ERR_IMPORT_CA_CERT_NOT_CA` (-703).
    public static let importCACertNotCA = NetworkError(code: -703)
    /// `ERR_IMPORT_CERT_ALREADY_EXISTS` (-704).
    public static let importCertAlreadyExists = NetworkError(code: -704)
    /// `ERR_IMPORT_CA_CERT_FAILED` (-705).
    public static let importCACertFailed = NetworkError(code: -705)
    /// `ERR_IMPORT_SERVER_CERT_FAILED` (-706).
    public static let importServerCertFailed = NetworkError(code: -706)
    /// `ERR_PKCS12_IMPORT_INVALID_MAC` (-707).
    public static let pkcs12ImportInvalidMAC = NetworkError(code: -707)
    /// `ERR_PKCS12_IMPORT_INVALID_FILE` (-708).
    public static let pkcs12ImportInvalidFile = NetworkError(code: -708)
    /// `ERR_PKCS12_IMPORT_UNSUPPORTED` (-709).
    public static let pkcs12ImportUnsupported = NetworkError(code: -709)
    /// `ERR_KEY_GENERATION_FAILED` (-710).
    public static let keyGenerationFailed = NetworkError(code: -710)
    /// `ERR_PRIVATE_KEY_EXPORT_FAILED` (-712).
    public static let privateKeyExportFailed = NetworkError(code: -712)
    /// `ERR_SELF_SIGNED_CERT_GENERATION_FAILED` (-713).
    public static let selfSignedCertGenerationFailed = NetworkError(code: -713)
    /// `ERR_CERT_DATABASE_CHANGED` (-714).
    public static let certDatabaseChanged = NetworkError(code: -714)
    /// `ERR_CERT_VERIFIER_CHANGED` (-716).
    public static let certVerifierChanged = NetworkError(code: -716)
    /// `ERR_DNS_MALFORMED_RESPONSE` (-800).
    public static let dnsMalformedResponse = NetworkError(code: -800)
    /// `ERR_DNS_SERVER_REQUIRES_TCP` (-801).
    public static let dnsServerRequiresTCP = NetworkError(code: -801)
    /// `ERR_DNS_SERVER_FAILED` (-802).
    public static let dnsServerFailed = NetworkError(code: -802)
    /// `ERR_DNS_TIMED_OUT` (-803).
    public static let dnsTimedOut = NetworkError(code: -803)
    /// `ERR_DNS_CACHE_MISS` (-804).
    public static let dnsCacheMiss = NetworkError(code: -804)
    /// `ERR_DNS_SEARCH_EMPTY` (-805).
    public static let dnsSearchEmpty = NetworkError(code: -805)
    /// `ERR_DNS_SORT_ERROR` (-806).
    public static let dnsSortError = NetworkError(code: -806)
    /// `ERR_DNS_SECURE_RESOLVER_HOSTNAME_RESOLUTION_FAILED` (-808).
    public static let dnsSecureResolverHostnameResolutionFailed = NetworkError(code: -808)
    /// `ERR_DNS_NAME_HTTPS_ONLY` (-809).
    public static let dnsNameHTTPSOnly = NetworkError(code: -809)
    /// `ERR_DNS_REQUEST_CANCELLED` (-810).
    public static let dnsRequestCancelled = NetworkError(code: -810)
    /// `ERR_DNS_NO_MATCHING_SUPPORTED_ALPN` (-811).
    public static let dnsNoMatchingSupportedALPN = NetworkError(code: -811)
    /// `ERR_DNS_SECURE_PROBE_RECORD_INVALID` (-814).
    public static let dnsSecureProbeRecordInvalid = NetworkError(code: -814)

    /// Every code CEF defines, in table order, without ``none``.
    public static let allKnown: [NetworkError] = table.map { NetworkError(code: $0.code) }

    private static let table: [(code: Int32, name: String)] = [
        (-1, "IO_PENDING"),
        (-2, "FAILED"),
        (-3, "ABORTED"),
        (-4, "INVALID_ARGUMENT"),
        (-5, "INVALID_HANDLE"),
        (-6, "FILE_NOT_FOUND"),
        (-7, "TIMED_OUT"),
        (-8, "FILE_TOO_BIG"),
        (-9, "UNEXPECTED"),
        (-10, "ACCESS_DENIED"),
        (-11, "NOT_IMPLEMENTED"),
        (-12, "INSUFFICIENT_RESOURCES"),
        (-13, "OUT_OF_MEMORY"),
        (-14, "UPLOAD_FILE_CHANGED"),
        (-15, "SOCKET_NOT_CONNECTED"),
        (-16, "FILE_EXISTS"),
        (-17, "FILE_PATH_TOO_LONG"),
        (-18, "FILE_NO_SPACE"),
        (-19, "FILE_VIRUS_INFECTED"),
        (-20, "BLOCKED_BY_CLIENT"),
        (-21, "NETWORK_CHANGED"),
        (-22, "BLOCKED_BY_ADMINISTRATOR"),
        (-23, "SOCKET_IS_CONNECTED"),
        (-25, "UPLOAD_STREAM_REWIND_NOT_SUPPORTED"),
        (-26, "CONTEXT_SHUT_DOWN"),
        (-27, "BLOCKED_BY_RESPONSE"),
        (-29, "CLEARTEXT_NOT_PERMITTED"),
        (-30, "BLOCKED_BY_CSP"),
        (-31, "H2_OR_QUIC_REQUIRED"),
        (-32, "BLOCKED_BY_ORB"),
        (-100, "CONNECTION_CLOSED"),
        (-101, "CONNECTION_RESET"),
        (-102, "CONNECTION_REFUSED"),
        (-103, "CONNECTION_ABORTED"),
        (-104, "CONNECTION_FAILED"),
        (-105, "NAME_NOT_RESOLVED"),
        (-106, "INTERNET_DISCONNECTED"),
        (-107, "SSL_PROTOCOL_ERROR"),
        (-108, "ADDRESS_INVALID"),
        (-109, "ADDRESS_UNREACHABLE"),
        (-110, "SSL_CLIENT_AUTH_CERT_NEEDED"),
        (-111, "TUNNEL_CONNECTION_FAILED"),
        (-112, "NO_SSL_VERSIONS_ENABLED"),
        (-113, "SSL_VERSION_OR_CIPHER_MISMATCH"),
        (-114, "SSL_RENEGOTIATION_REQUESTED"),
        (-115, "PROXY_AUTH_UNSUPPORTED"),
        (-117, "BAD_SSL_CLIENT_AUTH_CERT"),
        (-118, "CONNECTION_TIMED_OUT"),
        (-119, "HOST_RESOLVER_QUEUE_TOO_LARGE"),
        (-120, "SOCKS_CONNECTION_FAILED"),
        (-121, "SOCKS_CONNECTION_HOST_UNREACHABLE"),
        (-122, "ALPN_NEGOTIATION_FAILED"),
        (-123, "SSL_NO_RENEGOTIATION"),
        (-124, "WINSOCK_UNEXPECTED_WRITTEN_BYTES"),
        (-125, "SSL_DECOMPRESSION_FAILURE_ALERT"),
        (-126, "SSL_BAD_RECORD_MAC_ALERT"),
        (-127, "PROXY_AUTH_REQUESTED"),
        (-130, "PROXY_CONNECTION_FAILED"),
        (-131, "MANDATORY_PROXY_CONFIGURATION_FAILED"),
        (-133, "PRECONNECT_MAX_SOCKET_LIMIT"),
        (-134, "SSL_CLIENT_AUTH_PRIVATE_KEY_ACCESS_DENIED"),
        (-135, "SSL_CLIENT_AUTH_CERT_NO_PRIVATE_KEY"),
        (-136, "PROXY_CERTIFICATE_INVALID"),
        (-137, "NAME_RESOLUTION_FAILED"),
        (-138, "NETWORK_ACCESS_DENIED"),
        (-139, "TEMPORARILY_THROTTLED"),
        (-141, "SSL_CLIENT_AUTH_SIGNATURE_FAILED"),
        (-142, "MSG_TOO_BIG"),
        (-145, "WS_PROTOCOL_ERROR"),
        (-147, "ADDRESS_IN_USE"),
        (-150, "SSL_PINNED_KEY_NOT_IN_CERT_CHAIN"),
        (-151, "CLIENT_AUTH_CERT_TYPE_UNSUPPORTED"),
        (-153, "SSL_DECRYPT_ERROR_ALERT"),
        (-154, "WS_THROTTLE_QUEUE_TOO_LARGE"),
        (-156, "SSL_SERVER_CERT_CHANGED"),
        (-159, "SSL_UNRECOGNIZED_NAME_ALERT"),
        (-160, "SOCKET_SET_RECEIVE_BUFFER_SIZE_ERROR"),
        (-161, "SOCKET_SET_SEND_BUFFER_SIZE_ERROR"),
        (-162, "SOCKET_RECEIVE_BUFFER_SIZE_UNCHANGEABLE"),
        (-163, "SOCKET_SEND_BUFFER_SIZE_UNCHANGEABLE"),
        (-164, "SSL_CLIENT_AUTH_CERT_BAD_FORMAT"),
        (-166, "ICANN_NAME_COLLISION"),
        (-167, "SSL_SERVER_CERT_BAD_FORMAT"),
        (-168, "CT_STH_PARSING_FAILED"),
        (-169, "CT_STH_INCOMPLETE"),
        (-170, "UNABLE_TO_REUSE_CONNECTION_FOR_PROXY_AUTH"),
        (-171, "CT_CONSISTENCY_PROOF_PARSING_FAILED"),
        (-172, "SSL_OBSOLETE_CIPHER"),
        (-173, "WS_UPGRADE"),
        (-174, "READ_IF_READY_NOT_IMPLEMENTED"),
        (-176, "NO_BUFFER_SPACE"),
        (-177, "SSL_CLIENT_AUTH_NO_COMMON_ALGORITHMS"),
        (-178, "EARLY_DATA_REJECTED"),
        (-179, "WRONG_VERSION_ON_EARLY_DATA"),
        (-180, "TLS13_DOWNGRADE_DETECTED"),
        (-181, "SSL_KEY_USAGE_INCOMPATIBLE"),
        (-182, "INVALID_ECH_CONFIG_LIST"),
        (-183, "ECH_NOT_NEGOTIATED"),
        (-184, "ECH_FALLBACK_CERTIFICATE_INVALID"),
        (-200, "CERT_COMMON_NAME_INVALID"),
        (-201, "CERT_DATE_INVALID"),
        (-202, "CERT_AUTHORITY_INVALID"),
        (-203, "CERT_CONTAINS_ERRORS"),
        (-204, "CERT_NO_REVOCATION_MECHANISM"),
        (-205, "CERT_UNABLE_TO_CHECK_REVOCATION"),
        (-206, "CERT_REVOKED"),
        (-207, "CERT_INVALID"),
        (-208, "CERT_WEAK_SIGNATURE_ALGORITHM"),
        (-210, "CERT_NON_UNIQUE_NAME"),
        (-211, "CERT_WEAK_KEY"),
        (-212, "CERT_NAME_CONSTRAINT_VIOLATION"),
        (-213, "CERT_VALIDITY_TOO_LONG"),
        (-214, "CERTIFICATE_TRANSPARENCY_REQUIRED"),
        (-215, "CERT_SYMANTEC_LEGACY"),
        (-217, "CERT_KNOWN_INTERCEPTION_BLOCKED"),
        (-219, "CERT_END"),
        (-300, "INVALID_URL"),
        (-301, "DISALLOWED_URL_SCHEME"),
        (-302, "UNKNOWN_URL_SCHEME"),
        (-303, "INVALID_REDIRECT"),
        (-310, "TOO_MANY_REDIRECTS"),
        (-311, "UNSAFE_REDIRECT"),
        (-312, "UNSAFE_PORT"),
        (-320, "INVALID_RESPONSE"),
        (-321, "INVALID_CHUNKED_ENCODING"),
        (-322, "METHOD_NOT_SUPPORTED"),
        (-323, "UNEXPECTED_PROXY_AUTH"),
        (-324, "EMPTY_RESPONSE"),
        (-325, "RESPONSE_HEADERS_TOO_BIG"),
        (-327, "PAC_SCRIPT_FAILED"),
        (-328, "REQUEST_RANGE_NOT_SATISFIABLE"),
        (-329, "MALFORMED_IDENTITY"),
        (-330, "CONTENT_DECODING_FAILED"),
        (-331, "NETWORK_IO_SUSPENDED"),
        (-332, "SYN_REPLY_NOT_RECEIVED"),
        (-333, "ENCODING_CONVERSION_FAILED"),
        (-334, "UNRECOGNIZED_FTP_DIRECTORY_LISTING_FORMAT"),
        (-336, "NO_SUPPORTED_PROXIES"),
        (-337, "HTTP2_PROTOCOL_ERROR"),
        (-338, "INVALID_AUTH_CREDENTIALS"),
        (-339, "UNSUPPORTED_AUTH_SCHEME"),
        (-340, "ENCODING_DETECTION_FAILED"),
        (-341, "MISSING_AUTH_CREDENTIALS"),
        (-342, "UNEXPECTED_SECURITY_LIBRARY_STATUS"),
        (-343, "MISCONFIGURED_AUTH_ENVIRONMENT"),
        (-344, "UNDOCUMENTED_SECURITY_LIBRARY_STATUS"),
        (-345, "RESPONSE_BODY_TOO_BIG_TO_DRAIN"),
        (-346, "RESPONSE_HEADERS_MULTIPLE_CONTENT_LENGTH"),
        (-347, "INCOMPLETE_HTTP2_HEADERS"),
        (-348, "PAC_NOT_IN_DHCP"),
        (-349, "RESPONSE_HEADERS_MULTIPLE_CONTENT_DISPOSITION"),
        (-350, "RESPONSE_HEADERS_MULTIPLE_LOCATION"),
        (-351, "HTTP2_SERVER_REFUSED_STREAM"),
        (-352, "HTTP2_PING_FAILED"),
        (-354, "CONTENT_LENGTH_MISMATCH"),
        (-355, "INCOMPLETE_CHUNKED_ENCODING"),
        (-356, "QUIC_PROTOCOL_ERROR"),
        (-357, "RESPONSE_HEADERS_TRUNCATED"),
        (-358, "QUIC_HANDSHAKE_FAILED"),
        (-360, "HTTP2_INADEQUATE_TRANSPORT_SECURITY"),
        (-361, "HTTP2_FLOW_CONTROL_ERROR"),
        (-362, "HTTP2_FRAME_SIZE_ERROR"),
        (-363, "HTTP2_COMPRESSION_ERROR"),
        (-364, "PROXY_AUTH_REQUESTED_WITH_NO_CONNECTION"),
        (-365, "HTTP_1_1_REQUIRED"),
        (-366, "PROXY_HTTP_1_1_REQUIRED"),
        (-367, "PAC_SCRIPT_TERMINATED"),
        (-370, "INVALID_HTTP_RESPONSE"),
        (-371, "CONTENT_DECODING_INIT_FAILED"),
        (-372, "HTTP2_RST_STREAM_NO_ERROR_RECEIVED"),
        (-375, "TOO_MANY_RETRIES"),
        (-376, "HTTP2_STREAM_CLOSED"),
        (-379, "HTTP_RESPONSE_CODE_FAILURE"),
        (-380, "QUIC_CERT_ROOT_NOT_KNOWN"),
        (-381, "QUIC_GOAWAY_REQUEST_CAN_BE_RETRIED"),
        (-382, "TOO_MANY_ACCEPT_CH_RESTARTS"),
        (-383, "INCONSISTENT_IP_ADDRESS_SPACE"),
        (-384, "CACHED_IP_ADDRESS_SPACE_BLOCKED_BY_PRIVATE_NETWORK_ACCESS_POLICY"),
        (-385, "BLOCKED_BY_PRIVATE_NETWORK_ACCESS_CHECKS"),
        (-386, "ZSTD_WINDOW_SIZE_TOO_BIG"),
        (-387, "DICTIONARY_LOAD_FAILED"),
        (-388, "UNEXPECTED_CONTENT_DICTIONARY_HEADER"),
        (-400, "CACHE_MISS"),
        (-401, "CACHE_READ_FAILURE"),
        (-402, "CACHE_WRITE_FAILURE"),
        (-403, "CACHE_OPERATION_NOT_SUPPORTED"),
        (-404, "CACHE_OPEN_FAILURE"),
        (-405, "CACHE_CREATE_FAILURE"),
        (-406, "CACHE_RACE"),
        (-407, "CACHE_CHECKSUM_READ_FAILURE"),
        (-408, "CACHE_CHECKSUM_MISMATCH"),
        (-409, "CACHE_LOCK_TIMEOUT"),
        (-410, "CACHE_AUTH_FAILURE_AFTER_READ"),
        (-411, "CACHE_ENTRY_NOT_SUITABLE"),
        (-412, "CACHE_DOOM_FAILURE"),
        (-413, "CACHE_OPEN_OR_CREATE_FAILURE"),
        (-501, "INSECURE_RESPONSE"),
        (-502, "NO_PRIVATE_KEY_FOR_CERT"),
        (-503, "ADD_USER_CERT_FAILED"),
        (-504, "INVALID_SIGNED_EXCHANGE"),
        (-505, "INVALID_WEB_BUNDLE"),
        (-506, "TRUST_TOKEN_OPERATION_FAILED"),
        (-507, "TRUST_TOKEN_OPERATION_SUCCESS_WITHOUT_SENDING_REQUEST"),
        (-701, "PKCS12_IMPORT_BAD_PASSWORD"),
        (-702, "PKCS12_IMPORT_FAILED"),
        (-703, "IMPORT_CA_CERT_NOT_CA"),
        (-704, "IMPORT_CERT_ALREADY_EXISTS"),
        (-705, "IMPORT_CA_CERT_FAILED"),
        (-706, "IMPORT_SERVER_CERT_FAILED"),
        (-707, "PKCS12_IMPORT_INVALID_MAC"),
        (-708, "PKCS12_IMPORT_INVALID_FILE"),
        (-709, "PKCS12_IMPORT_UNSUPPORTED"),
        (-710, "KEY_GENERATION_FAILED"),
        (-712, "PRIVATE_KEY_EXPORT_FAILED"),
        (-713, "SELF_SIGNED_CERT_GENERATION_FAILED"),
        (-714, "CERT_DATABASE_CHANGED"),
        (-716, "CERT_VERIFIER_CHANGED"),
        (-800, "DNS_MALFORMED_RESPONSE"),
        (-801, "DNS_SERVER_REQUIRES_TCP"),
        (-802, "DNS_SERVER_FAILED"),
        (-803, "DNS_TIMED_OUT"),
        (-804, "DNS_CACHE_MISS"),
        (-805, "DNS_SEARCH_EMPTY"),
        (-806, "DNS_SORT_ERROR"),
        (-808, "DNS_SECURE_RESOLVER_HOSTNAME_RESOLUTION_FAILED"),
        (-809, "DNS_NAME_HTTPS_ONLY"),
        (-810, "DNS_REQUEST_CANCELLED"),
        (-811, "DNS_NO_MATCHING_SUPPORTED_ALPN"),
        (-814, "DNS_SECURE_PROBE_RECORD_INVALID"),
    ]

    private static let names: [Int32: String] = Dictionary(
        table.map { ($0.code, $0.name) },
        uniquingKeysWith: { first, _ in first }
    )

    private static let codes: [String: Int32] = Dictionary(
        table.map { ($0.name, $0.code) },
        uniquingKeysWith: { first, _ in first }
    )
}
