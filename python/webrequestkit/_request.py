"""What a renderer may ask of its browser: the request as it goes on the wire, the flags, and
the rules ``create`` applies in a render process (the same as WebRequestKit's
``Request.validated(for: .renderer)`` and the C renderer's ``validation.c``)."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import List, Optional, Tuple, Union



class Flags(enum.IntFlag):
    """CEF's ``cef_urlrequest_flags_t``, with the values of the CEF the browser speaks."""

    NONE = 0
    SKIP_CACHE = 1 << 0
    ONLY_FROM_CACHE = 1 << 1
    DISABLE_CACHE = 1 << 2
    ALLOW_STORED_CREDENTIALS = 1 << 3
    REPORT_UPLOAD_PROGRESS = 1 << 4
    NO_DOWNLOAD_DATA = 1 << 5
    NO_RETRY_ON_5XX = 1 << 6
    STOP_ON_REDIRECT = 1 << 7


class Status(enum.IntEnum):
    """CEF's ``cef_urlrequest_status_t``."""

    UNKNOWN = 0
    SUCCESS = 1
    IO_PENDING = 2
    CANCELED = 3
    FAILED = 4


@dataclass(frozen=True)
class Empty:
    """A post data element with nothing in it (``PDE_TYPE_EMPTY``)."""


@dataclass(frozen=True)
class Bytes:
    """A post data element of bytes (``PDE_TYPE_BYTES``)."""

    data: bytes


@dataclass(frozen=True)
class File:
    """A post data element naming a file (``PDE_TYPE_FILE``): only the browser process may send one."""

    path: str


Element = Union[Empty, Bytes, File]


@dataclass
class WireRequest:
    """A request as the renderer protocol carries it."""

    url: str
    method: str = "GET"
    headers: List[Tuple[str, str]] = field(default_factory=list)
    elements: List[Element] = field(default_factory=list)
    flags: int = 0
    first_party_for_cookies: str = ""
    referrer_url: str = ""
    #: CEF's ``cef_referrer_policy_t`` (see :data:`REFERRER_POLICIES`).
    referrer_policy: int = 0
    #: Set for a request context: always refused in a renderer (its browser fixes the context).
    request_context: Optional[str] = None


class CreateError(Exception):
    """``create`` refused the request, as CEF's ``CefURLRequest::Create`` returns NULL: the
    reason names the rule (the same words as WebRequestKit's ``WebRequestCreateError``)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        #: ``unsupported_method``, ``multiple_post_data_elements``, ``invalid_url``, ``invalid_header``,
        #: ``file_element_in_renderer``, ``request_context_in_renderer``, ``invalid_thread`` or ``process_not_initialized``.
        self.kind = kind
        self.message = message


#: CEF's referrer policies by their kebab-case names (and the Fetch standard's names for them).
REFERRER_POLICIES = {
    "clear-referrer-on-transition-from-secure-to-insecure": 0,
    "reduce-referrer-granularity-on-transition-cross-origin": 1,
    "origin-only-on-transition-cross-origin": 2,
    "never-clear-referrer": 3,
    "origin": 4,
    "clear-referrer-on-transition-cross-origin": 5,
    "origin-clear-on-transition-from-secure-to-insecure": 6,
    "no-referrer": 7,
    "default": 0,
    "no-referrer-when-downgrade": 0,
    "strict-origin-when-cross-origin": 1,
    "origin-when-cross-origin": 2,
    "unsafe-url": 3,
    "same-origin": 5,
    "strict-origin": 6,
}

SUPPORTED_METHODS = ("GET", "POST", "HEAD", "DELETE", "PUT")
MAXIMUM_RENDERER_URL_BYTES = 64 << 10
MAXIMUM_HEADER_COUNT = 128
MAXIMUM_HEADER_BYTES = 64 << 10
HEADERS_ONLY_THE_BROWSER_SETS = frozenset(
    [
        "accept-charset", "accept-encoding", "access-control-request-headers", "access-control-request-method",
        "connection", "content-length", "cookie2", "date", "dnt", "expect", "host", "keep-alive", "origin",
        "referer", "te", "trailer", "transfer-encoding", "upgrade", "via",
    ]
)
_TOKEN_EXTRAS = set(b"!#$%&'*+-.^_`|~")


def _is_token(name: str) -> bool:
    raw = name.encode("utf-8", "surrogatepass")
    return bool(raw) and all(chr(b).isalnum() and b < 128 or b in _TOKEN_EXTRAS for b in raw)


_SCHEME_CHARACTERS = set(b"+-.")
_URL_REFUSED = set(b'"<>\\^`{|}')
_HEX_DIGITS = set(b"0123456789abcdefABCDEF")
_HOST_CHARACTERS = set(b"-._~!$&'()*+,;=")
_WEB_SCHEMES = (b"http", b"https")


def _host_is_plain(host: bytes) -> bool:
    if host.startswith(b"["):
        inner = host[1:-1]
        return len(host) >= 3 and host.endswith(b"]") and all(b in _HEX_DIGITS or b in b":." for b in inner)
    return all(b < 128 and chr(b).isalnum() or b in _HOST_CHARACTERS for b in host)


def _url_parses(url: str) -> bool:
    """Whether the browser accepts ``url``: a scheme, then only characters allowed in a URL
    (percent signs followed by two hex digits), a plain host and port after ``//`` (never empty
    for http and https). The same rule as the C client's, and stricter than the browser's own:
    Foundation percent-encodes what it may (spaces, non-ASCII), which this refuses rather than
    risk a URL the browser would end the renderer for."""
    raw = url.encode("utf-8", "surrogatepass")
    colon = raw.find(b":")
    scheme = raw[:colon] if colon > 0 else b""
    if not scheme or not chr(scheme[0]).isalpha() or scheme[0] >= 128:
        return False
    if not all(b < 128 and chr(b).isalnum() or b in _SCHEME_CHARACTERS for b in scheme):
        return False
    for index, byte in enumerate(raw):
        if byte <= 0x20 or byte >= 0x7F or byte in _URL_REFUSED:
            return False
        escape = raw[index + 1 : index + 3]
        if byte == 0x25 and not (len(escape) == 2 and all(b in _HEX_DIGITS for b in escape)):
            return False
    web = scheme.lower() in _WEB_SCHEMES
    rest = raw[colon + 1 :]
    if not rest.startswith(b"//"):
        return not web
    authority = rest[2:]
    for delimiter in b"/?#":
        authority = authority.split(bytes([delimiter]), 1)[0]
    authority = authority.split(b"@", 1)[1] if b"@" in authority else authority
    close = authority.find(b"]") if authority.startswith(b"[") else -1
    port_colon = authority.find(b":", max(close, 0))
    host = authority if port_colon < 0 else authority[:port_colon]
    if not host:
        if web or port_colon >= 0:
            return False
    elif not _host_is_plain(host):
        return False
    if port_colon >= 0:
        port = authority[port_colon + 1 :]
        if len(port) > 5 or not all(b in b"0123456789" for b in port):
            return False
    return True


def validated(request: WireRequest) -> WireRequest:
    """Checks the rules of ``create`` in a render process and returns the request as it will be
    sent: method uppercased, GET or HEAD with a body turned into POST, ``Referer`` dropped.

    Raises :class:`CreateError` naming the first rule broken.
    """
    method = request.method.upper()
    if method not in SUPPORTED_METHODS:
        raise CreateError("unsupported_method", f"method {json.dumps(request.method)} is not one of GET, POST, HEAD, DELETE, PUT")
    if len(request.elements) > 1:
        raise CreateError(
            "multiple_post_data_elements", f"post data has {len(request.elements)} elements; only one is supported"
        )
    url_bytes = len(request.url.encode("utf-8", "surrogatepass"))
    if url_bytes > MAXIMUM_RENDERER_URL_BYTES:
        raise CreateError("invalid_url", f"URL of {url_bytes} bytes is longer than {MAXIMUM_RENDERER_URL_BYTES}")
    if not _url_parses(request.url):
        raise CreateError("invalid_url", f"URL {json.dumps(request.url)} does not parse")
    for name, value in request.headers:
        if not _is_token(name):
            raise CreateError("invalid_header", f"header name {json.dumps(name)} is not a token")
        if any(c in value for c in "\r\n\x00"):
            raise CreateError("invalid_header", f"header {name} has a value with CR, LF or NUL")
    if len(request.headers) > MAXIMUM_HEADER_COUNT:
        raise CreateError(
            "invalid_header", f"{len(request.headers)} headers; a renderer may send at most {MAXIMUM_HEADER_COUNT}"
        )
    header_bytes = sum(len(n.encode()) + len(v.encode()) for n, v in request.headers)
    if header_bytes > MAXIMUM_HEADER_BYTES:
        raise CreateError(
            "invalid_header", f"headers of {header_bytes} bytes; a renderer may send at most {MAXIMUM_HEADER_BYTES}"
        )
    for name, _ in request.headers:
        lowered = name.lower()
        if lowered in HEADERS_ONLY_THE_BROWSER_SETS or lowered.startswith("proxy-") or lowered.startswith("sec-"):
            raise CreateError("invalid_header", f"header {name} is set by the browser, not a renderer")
        if lowered == "cookie" and not request.flags & Flags.ALLOW_STORED_CREDENTIALS:
            raise CreateError("invalid_header", "header Cookie without allow-stored-credentials")
    if request.elements and isinstance(request.elements[0], File):
        raise CreateError(
            "file_element_in_renderer",
            f"file element {json.dumps(request.elements[0].path)}: PDE_TYPE_FILE is only supported for requests from the browser process",
        )
    if request.request_context is not None:
        raise CreateError(
            "request_context_in_renderer", "a renderer's request context must be empty; its browser's context is used"
        )
    if request.elements and method in ("GET", "HEAD"):
        method = "POST"
    return WireRequest(
        url=request.url,
        method=method,
        headers=[(n, v) for n, v in request.headers if n.lower() != "referer"],
        elements=list(request.elements),
        flags=int(request.flags),
        first_party_for_cookies=request.first_party_for_cookies,
        referrer_url=request.referrer_url,
        referrer_policy=request.referrer_policy,
    )


def upload_size(request: WireRequest) -> int:
    """The body's size in bytes (0 without one)."""
    return sum(len(e.data) for e in request.elements if isinstance(e, Bytes))
