"""cefpython's URL-request API, member for member, as a render process of ``browser-host``.

A cefpython program's WebRequest code runs unchanged with ``from webrequestkit import
cefpython as cef``: ``cef.Initialize()`` connects to the browser named by the environment
(``WEBREQUESTKIT_SOCKET``, or ``WEBREQUESTKIT_IPC_FD`` when spawned) or by keyword arguments,
and ``cef.Request``, ``cef.WebRequest``, the client callbacks, the ``ERR_*`` and ``UR_FLAG_*``
constants and the message loop behave as cefpython documents them. Where cefpython crashes or
loses data this module does what its documentation promises instead (docs/api-mapping.md,
"Python"): ``Create`` raises :class:`CreateError` rather than returning an object that crashes
later; ``GetPostData`` parses every field; ``OnDownloadData`` gets ``bytes``; ``SetHeaderMap``
decodes ``bytes`` keys instead of writing ``"b'...'"``.

The rules are a renderer's, as in CEF: GET, POST, HEAD, DELETE and PUT only, one post data
element, no file element, the browser's request context. Callbacks run only inside
``MessageLoopWork()`` or ``MessageLoop()``, on the thread that called ``Initialize``, which is
the only thread that may create or use a ``WebRequest``.
"""

from __future__ import annotations

import os
import select
import sys
import threading
import traceback
import urllib.parse
import weakref
from collections import deque
from typing import Any, Dict, List, Optional, Tuple, Union

from . import errors as _errors
from ._channel import Channel, ChannelError
from ._request import Bytes, CreateError, Empty, File, Flags, Status, WireRequest, validated
from ._session import Action, ResponseHead, Session, Target
from .errors import *  # noqa: F401,F403  (cefpython exports ERR_* at module level)

__all__ = [
    "Initialize", "Shutdown", "MessageLoopWork", "MessageLoop", "QuitMessageLoop", "ExceptHook",
    "Request", "WebRequest", "PyRequest", "PyWebRequest", "PyResponse", "CreateError", "ChannelError",
] + [name for name in dir(_errors) if name.startswith("ERR_")]

# MARK: Flags, as cefpython names them (module constants and Request.Flags)

UR_FLAG_NONE = int(Flags.NONE)
UR_FLAG_SKIP_CACHE = int(Flags.SKIP_CACHE)
UR_FLAG_ONLY_FROM_CACHE = int(Flags.ONLY_FROM_CACHE)
UR_FLAG_DISABLE_CACHE = int(Flags.DISABLE_CACHE)
UR_FLAG_ALLOW_STORED_CREDENTIALS = int(Flags.ALLOW_STORED_CREDENTIALS)
UR_FLAG_REPORT_UPLOAD_PROGRESS = int(Flags.REPORT_UPLOAD_PROGRESS)
UR_FLAG_NO_DOWNLOAD_DATA = int(Flags.NO_DOWNLOAD_DATA)
UR_FLAG_NO_RETRY_ON_5XX = int(Flags.NO_RETRY_ON_5XX)
UR_FLAG_STOP_ON_REDIRECT = int(Flags.STOP_ON_REDIRECT)
__all__ += [name for name in list(globals()) if name.startswith("UR_FLAG_")]


# MARK: The process

class _Process:
    session: Optional[Session] = None
    thread: Optional[int] = None
    quit = False
    abandoned: "deque[int]" = deque()


def Initialize(settings: Optional[dict] = None, switches: Optional[dict] = None, *,
               socket: Optional[str] = None, ipc_fd: Optional[int] = None,
               browser_id: Optional[str] = None) -> bool:
    """Makes this process a renderer of a running ``browser-host``: connects to its socket
    (``socket``, else ``$WEBREQUESTKIT_SOCKET``) or adopts the channel a spawning browser handed
    down (``ipc_fd``, else ``$WEBREQUESTKIT_IPC_FD``), and completes the handshake for
    ``browser_id`` (else ``$WEBREQUESTKIT_BROWSER``, else the browser's ``default``).

    ``settings`` and ``switches`` are cefpython's and accepted for unchanged programs; none of
    them applies to URL requests. Raises :class:`ChannelError` when the browser cannot be
    reached or refuses this renderer. Returns ``True``, as cefpython does.
    """
    if _Process.session is not None:
        raise Exception("cefpython.Initialize() was already called")
    socket = socket or os.environ.get("WEBREQUESTKIT_SOCKET")
    if ipc_fd is None and os.environ.get("WEBREQUESTKIT_IPC_FD"):
        ipc_fd = int(os.environ["WEBREQUESTKIT_IPC_FD"])
    if (socket is None) == (ipc_fd is None):
        raise ChannelError("give exactly one of socket= (or $WEBREQUESTKIT_SOCKET) and ipc_fd= (or $WEBREQUESTKIT_IPC_FD)")
    channel = Channel.connect(socket) if socket is not None else Channel.adopt(ipc_fd)  # type: ignore[arg-type]
    try:
        welcome = channel.handshake(browser_id or os.environ.get("WEBREQUESTKIT_BROWSER", ""))
    except ChannelError:
        channel.close()
        raise
    _Process.session = Session(channel, welcome)
    _Process.thread = threading.get_ident()
    _Process.quit = False
    return True


def Shutdown() -> None:
    """Closes the channel; the browser cancels what is still in flight, and no callback runs
    after this. ``Initialize`` may be called again afterwards."""
    session = _Process.session
    if session is None:
        return
    _Process.session = None
    _Process.thread = None
    _Process.abandoned.clear()
    session.shutdown()


def MessageLoopWork() -> None:
    """Does what has arrived from the browser, running the client callbacks it calls for, and
    returns without waiting. Call it often (cefpython's advice: every 10 ms)."""
    session = _owned_session("MessageLoopWork")
    while _Process.abandoned:
        session.abandon(_Process.abandoned.popleft())
    session.pump()


def MessageLoop() -> None:
    """Runs :func:`MessageLoopWork` whenever the browser has sent something, until
    :func:`QuitMessageLoop` (or the browser closing the channel)."""
    session = _owned_session("MessageLoop")
    _Process.quit = False
    while not _Process.quit and _Process.session is session:
        if session.closed and not session.wants_pump and not _Process.abandoned:
            break
        if not session.wants_pump and not session.closed:
            writers = [session.channel] if session.channel.has_pending_output else []
            try:
                select.select([session.channel], writers, [], 0.1)
            except (OSError, ValueError):
                pass
        MessageLoopWork()


def QuitMessageLoop() -> None:
    """Makes :func:`MessageLoop` return once the current work is done."""
    _Process.quit = True


def ExceptHook(exc_type: type, exc_value: BaseException, exc_trace: Any) -> None:
    """cefpython's hook for ``sys.excepthook``: prints the error, shuts down and exits."""
    traceback.print_exception(exc_type, exc_value, exc_trace)
    Shutdown()
    os._exit(1)


def _owned_session(caller: str) -> Session:
    session = _Process.session
    if session is None:
        raise Exception(f"{caller}() called before cefpython.Initialize()")
    if threading.get_ident() != _Process.thread:
        raise RuntimeError(f"{caller}() called on another thread than the one that called Initialize()")
    return session


# MARK: Request

class Request:
    """cefpython's factory for requests; ``Flags`` maps cefpython's flag names to values."""

    Flags: Dict[str, int] = {
        "None": UR_FLAG_NONE,
        "SkipCache": UR_FLAG_SKIP_CACHE,
        "OnlyFromCache": UR_FLAG_ONLY_FROM_CACHE,
        "DisableCache": UR_FLAG_DISABLE_CACHE,
        "AllowStoredCredentials": UR_FLAG_ALLOW_STORED_CREDENTIALS,
        "ReportUploadProgress": UR_FLAG_REPORT_UPLOAD_PROGRESS,
        "NoDownloadData": UR_FLAG_NO_DOWNLOAD_DATA,
        "NoRetryOn5xx": UR_FLAG_NO_RETRY_ON_5XX,
        "StopOnRedirect": UR_FLAG_STOP_ON_REDIRECT,
        # Kept by cefpython as no-ops for programs written against older CEF.
        "AllowCachedCredentials": 0,
        "AllowCookies": 0,
        "ReportLoadTiming": 0,
        "ReportRawHeaders": 0,
    }

    def __init__(self) -> None:
        raise Exception("Request cannot be instantiated directly, use static method Request.CreateRequest()")

    @staticmethod
    def CreateRequest() -> "PyRequest":
        """A new writable request: method ``GET``, no body, no headers, flags 0."""
        return PyRequest()


def _multimap(headers: List[Tuple[str, str]]) -> List[Tuple[str, str]]:
    """``headers`` in CEF's multimap order: by name, repeated names in the order they came."""
    return sorted(headers, key=lambda header: header[0])


def _text(value: Union[str, bytes]) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else str(value)


class PyRequest:
    """A request: URL, method, post data, headers, flags, first party for cookies.
    ``WebRequest.Create`` makes it read-only; a setter on a read-only request does nothing,
    as in a release build of CEF (see :meth:`IsReadOnly`)."""

    def __init__(self) -> None:
        self._url = ""
        self._method = "GET"
        self._elements: List[Union[Empty, Bytes, File]] = []
        self._headers: List[Tuple[str, str]] = []
        self._flags = 0
        self._first_party = ""
        self._read_only = False

    def IsReadOnly(self) -> bool:
        return self._read_only

    def GetUrl(self) -> str:
        return self._url

    def SetUrl(self, url: Union[str, bytes]) -> None:
        if not self._read_only:
            self._url = _text(url)

    def GetMethod(self) -> str:
        return self._method

    def SetMethod(self, method: Union[str, bytes]) -> None:
        if not self._read_only:
            self._method = _text(method)

    def GetPostData(self) -> Union[List[bytes], Dict[bytes, bytes]]:
        """The body as cefpython reads it back: ``{}`` unless the method is ``POST``; a
        ``list`` when an element is multipart (starts ``--``) or a file (``b"@" + path``),
        each element's bytes in order; otherwise a ``dict`` of every url-encoded field."""
        if self._method != "POST" or not self._elements:
            return {}
        listed = any(isinstance(e, File) or isinstance(e, Bytes) and e.data.startswith(b"--") for e in self._elements)
        if listed:
            items: List[bytes] = []
            for element in self._elements:
                if isinstance(element, File):
                    items.append(b"@" + element.path.encode("utf-8"))
                elif isinstance(element, Bytes):
                    items.append(element.data)
            return items
        fields: Dict[bytes, bytes] = {}
        for element in self._elements:
            if isinstance(element, Bytes):
                for key, value in urllib.parse.parse_qsl(element.data, keep_blank_values=True):
                    fields[key] = value
        return fields

    def SetPostData(self, postData: Union[list, dict]) -> None:
        """A ``dict`` becomes one url-encoded bytes element; a ``list`` one element per entry:
        ``b"--..."`` bytes, ``b"@path"`` a file, ``b""`` empty."""
        if isinstance(postData, dict):
            encoded = urllib.parse.urlencode(
                {(k if isinstance(k, bytes) else str(k).encode()): (v if isinstance(v, bytes) else str(v).encode())
                 for k, v in postData.items()}
            ).encode("utf-8", "replace")
            elements: List[Union[Empty, Bytes, File]] = [Bytes(encoded)]
        elif isinstance(postData, list):
            elements = []
            for entry in postData:
                raw = entry.encode("utf-8") if isinstance(entry, str) else bytes(entry)
                if raw == b"":
                    elements.append(Empty())
                elif raw.startswith(b"--"):
                    elements.append(Bytes(raw))
                elif raw.startswith(b"@"):
                    elements.append(File(raw[1:].decode("utf-8", "replace")))
                else:
                    raise Exception(f"Invalid element in postData: {entry!r}")
        else:
            raise Exception("Invalid type of postData, only dict|list allowed")
        if not self._read_only:
            self._elements = elements

    def GetHeaderMap(self) -> Dict[str, str]:
        """The headers as a dict: a repeated name keeps its last value."""
        return dict(self.GetHeaderMultimap())

    def GetHeaderMultimap(self) -> List[Tuple[str, str]]:
        """Every header as ``(name, value)``, in CEF's multimap order (by name, repeats kept)."""
        return _multimap(self._headers)

    def SetHeaderMap(self, headerMap: Dict[Any, Any]) -> None:
        self.SetHeaderMultimap([(_text(k), _text(v)) for k, v in headerMap.items()])

    def SetHeaderMultimap(self, headerMultimap: List[Tuple[Any, Any]]) -> None:
        """Replaces every header; ``Referer`` is dropped, as CEF drops it."""
        if not self._read_only:
            self._headers = [(_text(n), _text(v)) for n, v in headerMultimap if _text(n).lower() != "referer"]

    def GetFlags(self) -> int:
        return self._flags

    def SetFlags(self, flags: int) -> None:
        if not self._read_only:
            self._flags = int(flags)

    def GetFirstPartyForCookies(self) -> str:
        return self._first_party

    def SetFirstPartyForCookies(self, url: Union[str, bytes]) -> None:
        if not self._read_only:
            self._first_party = _text(url)

    def GetResourceType(self) -> int:
        """``RT_SUB_RESOURCE`` (6): what CEF's URL requests are."""
        return 6

    def GetTransitionType(self) -> int:
        """``TT_EXPLICIT`` (1)."""
        return 1

    def _wire(self) -> WireRequest:
        return WireRequest(
            url=self._url, method=self._method, headers=self.GetHeaderMultimap(),
            elements=list(self._elements), flags=self._flags, first_party_for_cookies=self._first_party,
        )

    def _frozen_copy(self, sent: Optional[WireRequest] = None) -> "PyRequest":
        copy = PyRequest()
        copy._url, copy._method, copy._elements = self._url, self._method, list(self._elements)
        copy._headers, copy._flags, copy._first_party = list(self._headers), self._flags, self._first_party
        if sent is not None:
            copy._method, copy._headers = sent.method, list(sent.headers)
        copy._read_only = True
        return copy


# MARK: Response

class PyResponse:
    """A response head, read-only: ``Set*`` do nothing, as on CEF's read-only responses."""

    def __init__(self, head: ResponseHead) -> None:
        self._head = head

    def IsReadOnly(self) -> bool:
        return True

    def GetStatus(self) -> int:
        return self._head.status

    def SetStatus(self, status: int) -> None:
        assert type(status) == int

    def GetStatusText(self) -> str:
        return self._head.status_text

    def SetStatusText(self, statusText: Union[str, bytes]) -> None:
        pass

    def GetMimeType(self) -> str:
        return self._head.mime_type

    def SetMimeType(self, mimeType: Union[str, bytes]) -> None:
        pass

    def GetHeader(self, name: Union[str, bytes]) -> str:
        """One value of the header ``name`` (matched without regard to case), ``""`` if none."""
        return self._head.header(_text(name)) or ""

    def GetHeaderMap(self) -> Dict[str, str]:
        return dict(self.GetHeaderMultimap())

    def GetHeaderMultimap(self) -> List[Tuple[str, str]]:
        return _multimap(self._head.headers)

    def SetHeaderMap(self, headerMap: dict) -> None:
        pass

    def SetHeaderMultimap(self, headerMultimap: list) -> None:
        pass


# MARK: WebRequest

_CALLBACKS = ("OnUploadProgress", "OnDownloadProgress", "OnDownloadData", "OnRequestComplete")


class WebRequest:
    """cefpython's factory for URL requests; ``Status`` maps status names to values."""

    Status: Dict[str, int] = {
        "Unknown": int(Status.UNKNOWN),
        "Success": int(Status.SUCCESS),
        "Pending": int(Status.IO_PENDING),
        "Canceled": int(Status.CANCELED),
        "Failed": int(Status.FAILED),
    }

    def __init__(self) -> None:
        raise Exception("WebRequest cannot be instantiated directly, use static method WebRequest.Create()")

    @staticmethod
    def ValidateClient(webRequestClient: Any) -> None:
        """Raises unless the client has the four callbacks, each callable."""
        for name in _CALLBACKS:
            if not callable(getattr(webRequestClient, name, None)):
                raise Exception(f"WebRequestClient object is missing method: {name}")

    @staticmethod
    def Create(request: PyRequest, webRequestClient: Any) -> "PyWebRequest":
        """Starts ``request`` through the browser and returns the object that controls it; keep
        it until ``OnRequestComplete``: when its last reference goes, the request is canceled
        and the client hears nothing more. ``request`` becomes read-only.

        Raises :class:`CreateError` where CEF's ``Create`` returns NULL (a method other than the
        five, two post data elements, a file element, a URL that does not parse, a header a
        renderer may not set, another thread than ``Initialize``'s)."""
        if not isinstance(request, PyRequest):
            raise Exception("Invalid request object")
        WebRequest.ValidateClient(webRequestClient)
        session = _Process.session
        if session is None:
            raise CreateError("process_not_initialized", "WebRequest.Create() called before cefpython.Initialize()")
        if threading.get_ident() != _Process.thread:
            raise CreateError("invalid_thread", "WebRequest.Create() called on another thread than Initialize()'s")
        sent = validated(request._wire())
        request._read_only = True
        return PyWebRequest(session, request._frozen_copy(sent), sent, webRequestClient)


class _Relay(Target):
    """Carries callbacks to a ``PyWebRequest`` while it exists: the session holds this, not
    the request, so a dropped request is freed and its client hears nothing more."""

    def __init__(self, web_request: "PyWebRequest") -> None:
        self._target = weakref.ref(web_request)

    def perform(self, request_id: int, action: Action) -> bool:
        web_request = self._target()
        if web_request is None:
            return False
        web_request._perform(action)
        return True


class PyWebRequest:
    """One URL request made through the browser, and its client."""

    def __init__(self, session: Session, request: PyRequest, sent: WireRequest, client: Any) -> None:
        self._session = session
        self._request = request
        self._client = client
        self._thread = threading.get_ident()
        self._id, self._machine = session.start(sent, _Relay(self))

    def __del__(self) -> None:
        try:
            machine = getattr(self, "_machine", None)
            if machine is not None and not machine.is_finished and _Process.session is self._session:
                _Process.abandoned.append(self._id)  # canceled by the next MessageLoopWork
        except Exception:  # the interpreter is shutting down: the channel goes with it
            pass

    def _check_thread(self) -> None:
        if threading.get_ident() != self._thread:
            raise RuntimeError("WebRequest used on another thread than the one that created it")

    def GetRequest(self) -> PyRequest:
        """The request as sent, read-only (a new object each call, as in cefpython)."""
        self._check_thread()
        return self._request._frozen_copy()

    def GetRequestStatus(self) -> int:
        """A ``WebRequest.Status`` value: ``Pending`` until ``OnRequestComplete`` runs."""
        self._check_thread()
        return int(self._machine.status)

    def GetRequestError(self) -> int:
        """An ``ERR_*`` value: 0 unless the status is ``Canceled`` or ``Failed``."""
        self._check_thread()
        return self._machine.error

    def GetResponse(self) -> Optional[PyResponse]:
        """The response once its head has arrived, else ``None``."""
        self._check_thread()
        head = self._machine.response
        return PyResponse(head) if head is not None else None

    def Cancel(self) -> None:
        """Cancels the request: ``OnRequestComplete`` follows on the next ``MessageLoopWork``
        with ``Canceled`` and ``ERR_ABORTED``, and nothing else does. After completion it does
        nothing."""
        self._check_thread()
        self._session.cancel(self._id)

    def _perform(self, action: Action) -> None:
        kind = action[0]
        try:
            if kind == "upload":
                self._client.OnUploadProgress(web_request=self, current=action[1], total=action[2])
            elif kind == "progress":
                self._client.OnDownloadProgress(web_request=self, current=action[1], total=action[2])
            elif kind == "data":
                self._client.OnDownloadData(web_request=self, data=action[1])
            elif kind == "complete":
                self._client.OnRequestComplete(web_request=self)
        except Exception:
            sys.excepthook(*sys.exc_info())  # as cefpython does: nothing propagates into the loop
