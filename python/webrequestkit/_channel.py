"""The renderer's end of the IPC channel: a Unix-domain socket to the browser process carrying
length-prefixed ``Envelope`` frames (docs/ipc-protocol.md), with the handshake.

Blocking for the handshake, non-blocking afterwards: :meth:`Channel.receive` returns what has
arrived and :meth:`Channel.flush` writes what it can, so one thread can pump the channel from a
message loop (cefpython's ``MessageLoopWork``) or from an asyncio reader.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import socket
import struct

from .ipc.v1 import ipc_pb2 as wire

#: The protocol version this package speaks.
PROTOCOL_VERSION = 1
#: The largest frame either side may send before the browser says otherwise.
DEFAULT_MAX_FRAME_BYTES = 256 << 10
#: A bytes element up to this size travels inside ``StartRequest``; a longer one is streamed.
INLINE_UPLOAD_BYTES = 64 << 10
#: The most bytes of one ``UploadChunk``.
CHUNK_BYTES = 64 << 10

_LENGTH = struct.Struct(">I")
_INT = struct.Struct("i")
_SEALS = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL


def _descriptors(ancillary: list) -> list:
    """The descriptors an ``SCM_RIGHTS`` message carried."""
    found = []
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            usable = len(data) - len(data) % _INT.size
            found += [value for (value,) in _INT.iter_unpack(data[:usable])]
    return found


def _map_ring(descriptor: int, size: int) -> mmap.mmap:
    """Maps the browser's sealed memfd read-only and closes the descriptor."""
    try:
        if fcntl.fcntl(descriptor, fcntl.F_GET_SEALS) & _SEALS != _SEALS:
            raise ChannelError("the body ring is not a sealed memfd")
        if os.fstat(descriptor).st_size != size:
            raise ChannelError(f"the body ring is not the {size} bytes Welcome says")
        return mmap.mmap(descriptor, size, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ)
    finally:
        os.close(descriptor)


class ChannelError(Exception):
    """The browser cannot be reached, or the channel broke (closed, or a frame that does not
    decode)."""


class Channel:
    """One renderer's channel to its browser. Not thread-safe: one thread owns it."""

    def __init__(self, sock: socket.socket) -> None:
        self._socket = sock
        self._incoming = bytearray()
        self._outgoing = bytearray()
        self.max_frame_bytes = DEFAULT_MAX_FRAME_BYTES
        self.closed = False
        #: The body ring the browser passed with Welcome (docs/ipc-protocol.md), if it did.
        self._ring: mmap.mmap | None = None
        self._ring_copied = 0
        self._ring_released = 0

    @classmethod
    def connect(cls, path: str) -> "Channel":
        """Connects to a browser listening on the socket at ``path``."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
        except OSError as error:
            sock.close()
            raise ChannelError(f"cannot connect to the browser at {path}: {error.strerror or error}") from None
        return cls(sock)

    @classmethod
    def adopt(cls, descriptor: int) -> "Channel":
        """Takes over the channel a spawning browser handed down as ``descriptor``."""
        try:
            sock = socket.socket(fileno=descriptor)
        except OSError as error:
            raise ChannelError(f"descriptor {descriptor} is not the browser's channel: {error.strerror or error}") from None
        if sock.family != socket.AF_UNIX:
            sock.detach()
            raise ChannelError(f"descriptor {descriptor} is not a Unix-domain socket")
        return cls(sock)

    def fileno(self) -> int:
        return self._socket.fileno()

    def handshake(self, browser_id: str = "") -> "wire.Welcome":
        """Says Hello and waits for the browser's Welcome (blocking); the channel is then
        non-blocking. A browser that closes instead has refused this renderer. The Welcome may
        carry the body ring's descriptor, so it is read with ``recvmsg``."""
        hello = wire.Envelope()
        hello.hello.protocol_version = PROTOCOL_VERSION
        hello.hello.pid = os.getpid()
        hello.hello.browser_id = browser_id
        hello.hello.body_ring = True
        hello.hello.whole_responses = True
        self._socket.setblocking(True)
        passed: list = []
        try:
            self._socket.sendall(self._frame(hello))
            while True:
                for envelope in self._parse():
                    if envelope.WhichOneof("message") == "welcome":
                        welcome = envelope.welcome
                        self.max_frame_bytes = welcome.max_frame_bytes or DEFAULT_MAX_FRAME_BYTES
                        if welcome.body_ring_bytes and passed:
                            self._ring = _map_ring(passed.pop(0), welcome.body_ring_bytes)
                        self._socket.setblocking(False)
                        return welcome
                data, ancillary, _, _ = self._socket.recvmsg(64 << 10, socket.CMSG_SPACE(4 * _INT.size))
                passed += _descriptors(ancillary)
                if not data:
                    raise ChannelError("the browser closed the channel before welcoming this renderer")
                self._incoming += data
        except OSError as error:
            raise ChannelError(f"the handshake failed: {error.strerror or error}") from None
        finally:
            for descriptor in passed:
                os.close(descriptor)

    @property
    def body_ring_bytes(self) -> int:
        """The size of the body ring this channel mapped, 0 without one."""
        return len(self._ring) if self._ring is not None else 0

    def read_ring(self, position: int, length: int) -> bytes:
        """A copy of the ring chunk at ``position``; the ring is released up to its end with the
        next :meth:`release_ring`. A chunk outside the ring breaks the channel."""
        size = len(self._ring) if self._ring is not None else 0
        offset = position % size if size else 0
        if self._ring is None or length <= 0 or offset + length > size:
            self._close()
            raise ChannelError("RingChunk outside the body ring")
        self._ring_copied = position + length
        return self._ring[offset : offset + length]

    def release_ring(self) -> None:
        """Queues one ``RingRelease`` for every ring chunk copied out since the last."""
        if self._ring_copied > self._ring_released:
            self._ring_released = self._ring_copied
            release = wire.Envelope()
            release.ring_release.position = self._ring_copied
            self.send(release)

    def send(self, envelope: "wire.Envelope") -> None:
        """Queues ``envelope``; :meth:`flush` writes it."""
        if not self.closed:
            self._outgoing += self._frame(envelope)

    @property
    def has_pending_output(self) -> bool:
        return bool(self._outgoing)

    def flush(self) -> None:
        """Writes as much of the queue as the socket takes now."""
        while self._outgoing and not self.closed:
            try:
                sent = self._socket.send(self._outgoing)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self._close()
                return
            del self._outgoing[:sent]

    def receive(self) -> list:
        """Every envelope that has arrived whole; raises :class:`ChannelError` when the browser
        has closed the channel (after returning what came before the end)."""
        while not self.closed:
            try:
                data = self._socket.recv(256 << 10)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self._close()
                break
            if not data:
                self._close()
                break
            self._incoming += data
        envelopes = self._parse()
        if not envelopes and self.closed:
            raise ChannelError("the browser closed the channel")
        return envelopes

    def close(self) -> None:
        """Closes the channel; the browser cancels whatever this renderer had in flight."""
        self._close()

    def _close(self) -> None:
        if not self.closed:
            self.closed = True
            self._outgoing.clear()
            if self._ring is not None:
                self._ring.close()
                self._ring = None
            try:
                self._socket.close()
            except OSError:
                pass

    def _parse(self) -> list:
        envelopes = []
        while len(self._incoming) >= 4:
            (length,) = _LENGTH.unpack_from(self._incoming)
            if length > self.max_frame_bytes:
                self._close()
                raise ChannelError(f"frame of {length} bytes is over the limit of {self.max_frame_bytes}")
            if len(self._incoming) < 4 + length:
                break
            envelope = wire.Envelope()
            try:
                envelope.ParseFromString(bytes(self._incoming[4 : 4 + length]))
            except Exception as error:  # protobuf's DecodeError, by any of its names
                self._close()
                raise ChannelError(f"frame does not decode as an Envelope: {error}") from None
            del self._incoming[: 4 + length]
            envelopes.append(envelope)
        return envelopes

    @staticmethod
    def _frame(envelope: "wire.Envelope") -> bytes:
        payload = envelope.SerializeToString()
        return _LENGTH.pack(len(payload)) + payload
