"""A renderer's requests over its channel: what goes out for each request (``StartRequest``,
``UploadChunk`` within the browser's window, ``CancelRequest``, ``BodyCredit`` once the client
has its bytes) and which client callbacks each answer turns into.

The callbacks follow WebRequestKit's ``WebRequestStateMachine``, ported below as
:class:`Machine`: download progress derived from delivered data, at most one every 50 ms plus a
final one; upload progress ending at ``(total, total)`` before any download event; the status
``IO_PENDING`` until the completion callback runs; nothing after completion or cancel.

Nothing here blocks or starts a thread. A driver (cefpython's message loop, or an asyncio
reader) calls :meth:`Session.pump` when the channel is readable, and callbacks run inside it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

from . import errors
from ._channel import CHUNK_BYTES, INLINE_UPLOAD_BYTES, Channel, ChannelError
from ._request import Bytes, Empty, Flags, Status, WireRequest, upload_size
from .ipc.v1 import ipc_pb2 as wire


@dataclass
class ResponseHead:
    """A response as the browser reported it."""

    status: int = 0
    status_text: str = ""
    mime_type: str = ""
    charset: str = ""
    url: str = ""
    headers: List[Tuple[str, str]] = field(default_factory=list)
    error: int = 0
    http_version: str = ""
    tls_version: str = ""

    @classmethod
    def from_wire(cls, head: "wire.ResponseHead") -> "ResponseHead":
        return cls(
            status=head.status,
            status_text=head.status_text,
            mime_type=head.mime_type,
            charset=head.charset,
            url=head.url,
            headers=[(h.name, h.value) for h in head.headers],
            http_version=head.http_version,
            tls_version=head.tls_version,
        )

    def header(self, name: str) -> Optional[str]:
        """The first value of ``name`` (case-insensitive), or ``None``."""
        lowered = name.lower()
        return next((v for n, v in self.headers if n.lower() == lowered), None)

    @property
    def expected_length(self) -> int:
        # A content-coded body's length counts coded bytes; progress counts decoded ones.
        if (self.header("Content-Encoding") or "identity").strip().lower() != "identity":
            return -1
        value = (self.header("Content-Length") or "").strip()
        return int(value) if value.isdigit() else -1


@dataclass
class Completion:
    status: Status
    error: int = 0
    response: Optional[ResponseHead] = None
    was_cached: bool = False
    routed_to_download: bool = False


# A client callback to perform: ("upload", current, total), ("progress", current, total),
# ("data", bytes) or ("complete", machine), the machine holding the final status.
Action = Tuple


class Machine:
    """One request's life as a plain value (WebRequestKit's ``WebRequestStateMachine``)."""

    PROGRESS_INTERVAL = 0.05

    def __init__(self, request: WireRequest, upload_bytes: int) -> None:
        has_body = bool(request.elements)
        self.reports_upload = bool(request.flags & Flags.REPORT_UPLOAD_PROGRESS) and has_body
        self.upload_size = upload_bytes
        self.reports_download = request.method != "HEAD"
        self.delivers_body = self.reports_download and not request.flags & Flags.NO_DOWNLOAD_DATA
        self.status = Status.UNKNOWN
        self.error = 0
        self.response: Optional[ResponseHead] = None
        self.was_cached = False
        self.routed_to_download = False
        self.delivered = 0
        self._upload_finished = False
        self._expected_total = -1
        self._last_reported: Optional[int] = None
        self._last_progress: Optional[float] = None
        self._completion: Optional[Completion] = None

    @property
    def is_finished(self) -> bool:
        return self.status not in (Status.UNKNOWN, Status.IO_PENDING)

    def start(self) -> None:
        self.status = Status.IO_PENDING

    def upload_progress(self, current: int, total: int) -> List[Action]:
        if not self._live or not self.reports_upload or self._upload_finished:
            return []
        if total >= 0 and current >= total:
            self._upload_finished = True
        return [("upload", current, total)]

    def head(self, head: ResponseHead) -> List[Action]:
        if self._live:
            self.response = head
            self._expected_total = head.expected_length
        return []

    def data(self, chunk: bytes, now: float) -> List[Action]:
        if not self._live or not self.delivers_body or not chunk:
            return []
        actions = self._finish_upload()
        self.delivered += len(chunk)
        actions.append(("data", chunk))
        if self._last_progress is not None and now - self._last_progress < self.PROGRESS_INTERVAL:
            return actions
        self._last_progress = now
        return actions + self._report_download()

    def complete(self, ending: Completion) -> List[Action]:
        if not self._live:
            return []
        self._completion = ending
        if ending.response is not None:
            self.response = ending.response
        actions: List[Action] = []
        if ending.status == Status.SUCCESS:
            actions += self._finish_upload()
        if (
            ending.status != Status.CANCELED
            and self.response is not None
            and self.reports_download
            and (ending.status == Status.SUCCESS or self.delivered > 0)
        ):
            actions += self._report_download()
        return actions + [("complete", self)]

    def finish(self) -> bool:
        """Applies the completion just before the client hears of it; ``False`` when the
        request was canceled meanwhile."""
        if self.status != Status.IO_PENDING or self._completion is None:
            return False
        ending = self._completion
        self.status, self.error = ending.status, ending.error
        self.was_cached, self.routed_to_download = ending.was_cached, ending.routed_to_download
        if self.response is not None:
            self.response.error = ending.error
        return True

    def cancel(self) -> bool:
        """Canceled with ``ERR_ABORTED``; ``False`` when it had already finished."""
        if self.status not in (Status.IO_PENDING, Status.UNKNOWN):
            return False
        self.status, self.error = Status.CANCELED, errors.ERR_ABORTED
        if self.response is not None:
            self.response.error = errors.ERR_ABORTED
        return True

    @property
    def _live(self) -> bool:
        return self.status == Status.IO_PENDING and self._completion is None

    def _finish_upload(self) -> List[Action]:
        if not self.reports_upload or self._upload_finished:
            return []
        self._upload_finished = True
        total = max(self.upload_size, 0)
        return [("upload", total, total)]

    def _report_download(self) -> List[Action]:
        if not self.reports_download or self._last_reported == self.delivered:
            return []
        self._last_reported = self.delivered
        return self._finish_upload() + [("progress", self.delivered, self._expected_total)]


class Target:
    """Where a request's callbacks go. ``perform`` runs one action; it returns ``False`` when
    nobody is listening any more (the request was dropped), which ends the delivery."""

    def perform(self, request_id: int, action: Action) -> bool:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass
class _Live:
    machine: Machine
    target: Target
    upload: Optional[memoryview] = None
    upload_offset: int = 0
    outstanding_upload: int = 0


class Session:
    """A renderer's requests on one channel. Owned by one thread (or one asyncio loop)."""

    def __init__(self, channel: Channel, welcome: "wire.Welcome") -> None:
        self.channel = channel
        self.welcome = welcome
        self.renderer_id: int = welcome.renderer_id
        self.browser_id: str = welcome.browser_id
        self._upload_window = welcome.upload_window_bytes or (1 << 20)
        self._next_id = 1
        self._live: Dict[int, _Live] = {}
        self._deferred: List[Callable[[], None]] = []
        self.closed = False

    # MARK: Requests

    def start(self, request: WireRequest, target: Target) -> Tuple[int, Machine]:
        """Sends a validated request; its callbacks go to ``target`` from later pumps."""
        request_id = self._next_id
        self._next_id += 1
        machine = Machine(request, upload_size(request))
        machine.start()
        live = _Live(machine, target)
        self._live[request_id] = live
        if self.closed:
            self._live.pop(request_id)
            self._deferred.append(lambda: self._complete(live, request_id, Completion(Status.FAILED, errors.ERR_CONNECTION_CLOSED)))
            return request_id, machine
        start = wire.Envelope()
        start.start_request.request_id = request_id
        body = start.start_request.request
        body.url = request.url
        body.method = request.method
        for name, value in request.headers:
            header = body.headers.add()
            header.name, header.value = name, value
        for element in request.elements:
            wire_element = body.post_data.add()
            if isinstance(element, Empty):
                wire_element.type = wire.PostDataElement.TYPE_EMPTY
            elif isinstance(element, Bytes):
                wire_element.type = wire.PostDataElement.TYPE_BYTES
                wire_element.length = len(element.data)
                if len(element.data) <= INLINE_UPLOAD_BYTES:
                    wire_element.inline = element.data
                else:
                    live.upload = memoryview(element.data)
        body.flags = int(request.flags)
        body.first_party_for_cookies = request.first_party_for_cookies
        body.referrer_url = request.referrer_url
        body.referrer_policy = request.referrer_policy
        body.resource_type = 6  # RT_SUB_RESOURCE, as CEF's URL requests are
        body.transition_type = 1  # TT_EXPLICIT
        self.channel.send(start)
        self._pump_upload(request_id, live)
        self.channel.flush()
        return request_id, machine

    def cancel(self, request_id: int) -> None:
        """Cancels: the browser hears at once, the client's completion (canceled,
        ``ERR_ABORTED``) comes on the next pump, and nothing after it."""
        live = self._live.pop(request_id, None)
        if live is None or not live.machine.cancel():
            return
        self._send_cancel(request_id)

        def complete() -> None:
            live.target.perform(request_id, ("complete", live.machine))

        self._deferred.append(complete)

    def abandon(self, request_id: int) -> None:
        """The request's last reference is gone: the browser cancels it; no callback follows."""
        live = self._live.pop(request_id, None)
        if live is not None and live.machine.cancel():
            self._send_cancel(request_id)

    # MARK: The channel

    def pump(self) -> None:
        """Runs deferred completions, takes what has arrived and turns it into callbacks,
        then writes what is queued (credit, uploads)."""
        deferred, self._deferred = self._deferred, []
        for work in deferred:
            work()
        if not self.closed:
            try:
                envelopes = self.channel.receive()
            except ChannelError:
                envelopes = []
                self._lost()
            try:
                for envelope in envelopes:
                    self._receive(envelope)
            except ChannelError:
                self._lost()
            self.channel.release_ring()
            if self.channel.closed and not self.closed:
                self._lost()
        self.channel.flush()

    @property
    def wants_pump(self) -> bool:
        """Whether something is due without the channel becoming readable."""
        return bool(self._deferred)

    def close(self) -> None:
        """Closes the channel; requests still in flight complete with ``ERR_CONNECTION_CLOSED``."""
        self.channel.close()
        self._lost()

    def shutdown(self) -> None:
        """Closes the channel without another callback: the browser cancels what is in flight."""
        self._live.clear()
        self._deferred.clear()
        self.closed = True
        self.channel.close()

    def _receive(self, envelope: "wire.Envelope") -> None:
        kind = envelope.WhichOneof("message")
        if kind == "response_head":
            self._head(envelope.response_head.request_id, envelope.response_head)
        elif kind == "body_chunk":
            self._body(envelope.body_chunk.request_id, envelope.body_chunk.data)
        elif kind == "ring_chunk":
            chunk = envelope.ring_chunk
            # Copied out at once, whoever it is for: the ring is released in the order chunks came.
            self._body(chunk.request_id, self.channel.read_ring(chunk.position, chunk.length))
        elif kind == "upload_progress":
            progress = envelope.upload_progress
            live = self._live.get(progress.request_id)
            if live:
                self._perform(progress.request_id, live, live.machine.upload_progress(progress.current, progress.total))
        elif kind == "upload_credit":
            credit = envelope.upload_credit
            live = self._live.get(credit.request_id)
            if live and credit.bytes <= live.outstanding_upload:  # more is the browser's mistake
                live.outstanding_upload -= credit.bytes
                self._pump_upload(credit.request_id, live)
        elif kind == "request_complete":
            complete = envelope.request_complete
            if complete.HasField("head"):  # a whole response: its head and body come first
                self._head(complete.request_id, complete.head)
                self._body(complete.request_id, complete.body, credit=False)
            live = self._live.pop(complete.request_id, None)
            if live is None:
                return
            try:
                status = Status(complete.status)
            except ValueError:  # a status this renderer does not know: the request failed
                status = Status.FAILED
            ending = Completion(
                status=status,
                error=complete.error_code,
                response=ResponseHead.from_wire(complete.response) if complete.HasField("response") else None,
                was_cached=complete.was_cached,
                routed_to_download=complete.routed_to_download,
            )
            self._complete(live, complete.request_id, ending)
        # anything else is not for a renderer; the renderer trusts its browser

    def _complete(self, live: _Live, request_id: int, ending: Completion) -> None:
        self._perform(request_id, live, live.machine.complete(ending))

    def _perform(self, request_id: int, live: _Live, actions: List[Action]) -> None:
        for action in actions:
            if action[0] == "complete" and not live.machine.finish():
                return
            if not live.target.perform(request_id, action):
                return

    def _head(self, request_id: int, head: "wire.ResponseHead") -> None:
        live = self._live.get(request_id)
        if live:
            live.machine.head(ResponseHead.from_wire(head))

    def _body(self, request_id: int, data: bytes, credit: bool = True) -> None:
        """Hands a body chunk to its request, then credits the browser for it, unless the chunk
        came in a whole response (its request has ended: credit would tell the browser nothing)."""
        live = self._live.get(request_id)
        if live is None:
            return
        self._perform(request_id, live, live.machine.data(data, time.monotonic()))
        if not credit:
            return
        envelope = wire.Envelope()
        envelope.body_credit.request_id = request_id
        envelope.body_credit.bytes = len(data)
        self.channel.send(envelope)

    def _pump_upload(self, request_id: int, live: _Live) -> None:
        if live.upload is None:
            return
        while live.upload_offset < len(live.upload):
            room = self._upload_window - live.outstanding_upload
            if room <= 0:
                return
            count = min(CHUNK_BYTES, room, len(live.upload) - live.upload_offset)
            chunk = wire.Envelope()
            chunk.upload_chunk.request_id = request_id
            chunk.upload_chunk.data = bytes(live.upload[live.upload_offset : live.upload_offset + count])
            self.channel.send(chunk)
            live.upload_offset += count
            live.outstanding_upload += count
        live.upload = None

    def _send_cancel(self, request_id: int) -> None:
        cancel = wire.Envelope()
        cancel.cancel_request.request_id = request_id
        self.channel.send(cancel)
        self.channel.flush()

    def _lost(self) -> None:
        if self.closed:
            return
        self.closed = True
        orphans, self._live = self._live, {}
        for request_id, live in orphans.items():
            self._complete(live, request_id, Completion(Status.FAILED, errors.ERR_CONNECTION_CLOSED))
