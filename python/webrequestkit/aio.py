"""The same renderer on asyncio, for programs that are not ports of cefpython code::

    async with await Renderer.connect("/tmp/browser.sock") as renderer:
        result = await renderer.fetch("http://example.test/")
        async for event in renderer.events("http://example.test/big"):
            ...

or, once, ``await webrequestkit.fetch(url, socket=...)``. The rules are the renderer's
(:class:`webrequestkit.CreateError` for what a render process may not ask), the callbacks'
order is WebRequestKit's, and a request whose iterator is closed early is canceled.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import AsyncIterator, Iterable, List, Optional, Tuple, Union

from ._channel import Channel, ChannelError
from ._request import Bytes, Status, WireRequest, validated
from ._session import Action, ResponseHead, Session, Target


@dataclass(frozen=True)
class UploadProgress:
    current: int
    total: int


@dataclass(frozen=True)
class DownloadProgress:
    current: int
    #: -1 when the length is unknown.
    total: int


@dataclass(frozen=True)
class Data:
    data: bytes


@dataclass(frozen=True)
class Complete:
    status: Status
    #: An ``ERR_*`` code (``webrequestkit.errors``), 0 on success.
    error: int
    response: Optional[ResponseHead]


Event = Union[UploadProgress, DownloadProgress, Data, Complete]


@dataclass
class Result:
    """A finished request: its status, error, response head and whole body."""

    status: Status
    error: int
    response: Optional[ResponseHead]
    body: bytes = b""
    events: List[Event] = field(default_factory=list)


class _Queue(Target):
    def __init__(self) -> None:
        self.queue: "asyncio.Queue[Event]" = asyncio.Queue()

    def perform(self, request_id: int, action: Action) -> bool:
        kind = action[0]
        if kind == "upload":
            self.queue.put_nowait(UploadProgress(action[1], action[2]))
        elif kind == "progress":
            self.queue.put_nowait(DownloadProgress(action[1], action[2]))
        elif kind == "data":
            self.queue.put_nowait(Data(action[1]))
        else:
            machine = action[1]
            self.queue.put_nowait(Complete(machine.status, machine.error, machine.response))
        return True


class Renderer:
    """A renderer process's channel to its browser, driven by the running asyncio loop."""

    def __init__(self, session: Session, loop: asyncio.AbstractEventLoop) -> None:
        self._session = session
        self._loop = loop
        self._writing = False
        loop.add_reader(session.channel.fileno(), self._pump)

    @classmethod
    async def connect(cls, socket: Optional[str] = None, *, ipc_fd: Optional[int] = None,
                      browser_id: str = "") -> "Renderer":
        """Connects to the browser's socket (or adopts ``ipc_fd``) and completes the handshake."""
        if (socket is None) == (ipc_fd is None):
            raise ChannelError("give exactly one of socket and ipc_fd")

        def handshake() -> Session:
            channel = Channel.connect(socket) if socket is not None else Channel.adopt(ipc_fd)  # type: ignore[arg-type]
            try:
                return Session(channel, channel.handshake(browser_id))
            except ChannelError:
                channel.close()
                raise

        session = await asyncio.get_running_loop().run_in_executor(None, handshake)
        return cls(session, asyncio.get_running_loop())

    @property
    def renderer_id(self) -> int:
        """The id the browser gave this renderer."""
        return self._session.renderer_id

    @property
    def browser_id(self) -> str:
        """The browser (tab) this renderer belongs to, which fixes its request context."""
        return self._session.browser_id

    async def __aenter__(self) -> "Renderer":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the channel; the browser cancels what is still in flight."""
        if not self._session.closed:
            self._loop.remove_reader(self._session.channel.fileno())
            if self._writing:
                self._loop.remove_writer(self._session.channel.fileno())
            self._session.close()

    async def events(self, url: str, *, method: str = "GET", headers: Iterable[Tuple[str, str]] = (),
                     data: Optional[bytes] = None, flags: int = 0) -> AsyncIterator[Event]:
        """Starts a request and yields its events, :class:`Complete` last. Leaving the loop
        early cancels the request."""
        request = validated(WireRequest(url=url, method=method, headers=list(headers),
                                        elements=[Bytes(data)] if data is not None else [], flags=flags))
        target = _Queue()
        request_id, _ = self._session.start(request, target)
        self._after_pump()
        finished = False
        try:
            while True:
                event = await target.queue.get()
                yield event
                if isinstance(event, Complete):
                    finished = True
                    return
        finally:
            if not finished:
                self._session.abandon(request_id)
                self._after_pump()

    async def fetch(self, url: str, **options: object) -> Result:
        """Runs a request to the end and returns its :class:`Result`."""
        result = Result(Status.UNKNOWN, 0, None)
        body = bytearray()
        async for event in self.events(url, **options):  # type: ignore[arg-type]
            result.events.append(event)
            if isinstance(event, Data):
                body += event.data
            elif isinstance(event, Complete):
                result.status, result.error, result.response = event.status, event.error, event.response
        result.body = bytes(body)
        return result

    def _pump(self) -> None:
        self._session.pump()
        self._after_pump()

    def _after_pump(self) -> None:
        if self._session.wants_pump:
            self._loop.call_soon(self._pump)
        channel = self._session.channel
        if channel.closed:
            try:
                self._loop.remove_reader(channel.fileno())
            except (ValueError, OSError):
                pass
            return
        if channel.has_pending_output and not self._writing:
            self._writing = True
            self._loop.add_writer(channel.fileno(), self._writable)

    def _writable(self) -> None:
        channel = self._session.channel
        channel.flush()
        if not channel.has_pending_output or channel.closed:
            self._writing = False
            try:
                self._loop.remove_writer(channel.fileno())
            except (ValueError, OSError):
                pass


async def fetch(url: str, *, socket: Optional[str] = None, ipc_fd: Optional[int] = None,
                browser_id: str = "", **options: object) -> Result:
    """Connects, runs one request, closes: the one-shot form of :meth:`Renderer.fetch`."""
    async with await Renderer.connect(socket, ipc_fd=ipc_fd, browser_id=browser_id) as renderer:
        return await renderer.fetch(url, **options)
