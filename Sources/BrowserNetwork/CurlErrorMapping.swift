import CCurl
import Glibc
import WebRequestKit

/// The table from libcurl's failures to the Chromium error a CEF user would see for the same
/// failure. It lives here, in code, and its tests pin every row.
enum CurlErrorMapping {
    /// The network error for a failed transfer.
    ///
    /// - Parameters:
    ///   - code: the transfer's `CURLcode`.
    ///   - osErrno: `CURLINFO_OS_ERRNO`, which tells a refused connection from an unreachable one.
    ///   - chunked: whether the response used chunked transfer coding, which tells an incomplete
    ///     chunked body from a content-length mismatch.
    ///   - verifyResult: `CURLINFO_SSL_VERIFYRESULT`, OpenSSL's reason for refusing a certificate.
    ///   - message: libcurl's error buffer, which alone tells a TLS handshake the server hung up
    ///     on (OpenSSL's `SSL_ERROR_SYSCALL`) from one that went wrong.
    ///   - proxy: the proxy the hop went through, if any: a connection it could not open was
    ///     to the proxy.
    static func networkError(
        for code: CURLcode, osErrno: Int32 = 0, chunked: Bool = false, verifyResult: Int = 0, message: String = "",
        proxy: ProxySettings? = nil
    ) -> NetworkError {
        switch code {
        case CURLE_OK:
            return .none
        case CURLE_UNSUPPORTED_PROTOCOL:
            // The transfer checks the scheme before libcurl sees it, so libcurl's refusal is of
            // what came back: a reply with no status line (its "HTTP/0.9"), as Chromium names it.
            return .invalidHTTPResponse
        case CURLE_URL_MALFORMAT:
            return .invalidURL
        case CURLE_COULDNT_RESOLVE_PROXY:
            return .proxyConnectionFailed
        case CURLE_COULDNT_RESOLVE_HOST:
            return .nameNotResolved
        case CURLE_COULDNT_CONNECT where proxy != nil:
            return .proxyConnectionFailed
        case CURLE_COULDNT_CONNECT:
            switch osErrno {
            case ENETUNREACH, EHOSTUNREACH: return .addressUnreachable
            case ETIMEDOUT: return .connectionTimedOut
            case EADDRNOTAVAIL: return .addressInvalid
            default: return .connectionRefused
            }
        case CURLE_WEIRD_SERVER_REPLY:
            return .invalidResponse
        case CURLE_REMOTE_ACCESS_DENIED:
            return .accessDenied
        case CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return .http2ProtocolError
        case CURLE_PARTIAL_FILE:
            return chunked ? .incompleteChunkedEncoding : .contentLengthMismatch
        case CURLE_WRITE_ERROR, CURLE_ABORTED_BY_CALLBACK:
            return .aborted
        case CURLE_UPLOAD_FAILED:
            return .connectionReset
        case CURLE_READ_ERROR:
            return .uploadFileChanged
        case CURLE_OUT_OF_MEMORY:
            return .outOfMemory
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut
        case CURLE_RANGE_ERROR:
            return .requestRangeNotSatisfiable
        case CURLE_SSL_CONNECT_ERROR:
            return message.contains("SSL_ERROR_SYSCALL") && osErrno == 0 ? .connectionClosed : .sslProtocolError
        case CURLE_BAD_FUNCTION_ARGUMENT:
            return .invalidArgument
        case CURLE_INTERFACE_FAILED:
            return .addressInvalid
        case CURLE_TOO_MANY_REDIRECTS:
            return .tooManyRedirects
        case CURLE_GOT_NOTHING:
            return .emptyResponse
        case CURLE_SEND_ERROR:
            return osErrno == EPIPE ? .connectionClosed : .connectionReset
        case CURLE_RECV_ERROR:
            return osErrno == ECONNRESET || osErrno == 0 ? .connectionReset : .connectionClosed
        case CURLE_SSL_CERTPROBLEM, CURLE_SSL_CLIENTCERT:
            return .badSSLClientAuthCert
        case CURLE_SSL_CIPHER:
            return .sslVersionOrCipherMismatch
        case CURLE_PEER_FAILED_VERIFICATION:
            return certificateError(verifyResult: verifyResult)
        case CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR:
            return .certAuthorityInvalid
        case CURLE_SSL_INVALIDCERTSTATUS:
            return .certUnableToCheckRevocation
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            return .sslPinnedKeyNotInCertChain
        case CURLE_BAD_CONTENT_ENCODING:
            return .contentDecodingFailed
        case CURLE_FILESIZE_EXCEEDED:
            return .fileTooBig
        case CURLE_SEND_FAIL_REWIND:
            return .uploadStreamRewindNotSupported
        case CURLE_LOGIN_DENIED, CURLE_AUTH_ERROR:
            return .invalidAuthCredentials
        case CURLE_AGAIN:
            return .ioPending
        case CURLE_NO_CONNECTION_AVAILABLE:
            return .insufficientResources
        case CURLE_PROXY:
            // libcurl's code for a SOCKS proxy's refusal (and HAProxy's protocol).
            return proxy?.isSOCKS == true ? .socksConnectionFailed : .tunnelConnectionFailed
        default:
            return .failed
        }
    }

    /// The certificate error for OpenSSL's verify result (`X509_V_ERR_*`, stable numbers of
    /// OpenSSL's ABI). libcurl 7.88 checks the host name itself, before it reads OpenSSL's
    /// verdict, which it set to 1 (`!X509_V_OK`) when the connection began: a refusal with 1 (or
    /// 0, a chain OpenSSL accepted) is one for another name.
    static func certificateError(verifyResult: Int) -> NetworkError {
        switch verifyResult {
        case 0, 1: .certCommonNameInvalid
        case 9, 10, 13, 14: .certDateInvalid  // not yet valid, expired, bad notBefore/notAfter field
        case 23: .certRevoked  // X509_V_ERR_CERT_REVOKED
        case 62: .certCommonNameInvalid  // X509_V_ERR_HOSTNAME_MISMATCH
        case 64: .certCommonNameInvalid  // X509_V_ERR_IP_ADDRESS_MISMATCH
        case 4, 6, 7, 32: .certInvalid  // bad signatures, key usage, undecodable key
        default: .certAuthorityInvalid  // 2, 18, 19, 20, 21, 24...: no trusted issuer
        }
    }
}
