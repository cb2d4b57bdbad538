"""``python -m webrequestkit.render_client``: the renderer command line of ``cli.md``, as
``render-client`` and ``render-client-c`` have it::

    python -m webrequestkit.render_client (--socket PATH | --ipc-fd N) [--browser ID] \\
        fetch URL [REQUEST OPTIONS] [--json]
    python -m webrequestkit.render_client (--socket PATH | --ipc-fd N) misbehave KIND

The same ``--json`` lines (one per client callback, then ``complete`` or ``create_failed``) and
the same exit statuses: 0 success, 1 canceled or failed, 2 refused by ``create`` or a wrong
command line, 3 browser unreachable. The connection options may come before or after the
subcommand, as a spawning browser appends ``--ipc-fd N`` at the end.

This renderer engages no sandbox of its own (Python has no seccomp binding in the standard
library): it says so in its Hello, so a browser that spawns renderers sandboxed ends it; run it
under ``serve --no-sandbox``, or connect it with ``--socket``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import select
import sys
import time
from typing import List, NoReturn, Optional

from . import errors
from ._channel import Channel, ChannelError
from ._request import REFERRER_POLICIES, Bytes, CreateError, File, Flags, Status, WireRequest, validated
from ._session import Action, Machine, Session, Target
from .ipc.v1 import ipc_pb2 as wire

EXIT_SUCCESS, EXIT_FAILED, EXIT_REFUSED, EXIT_UNREACHABLE = 0, 1, 2, 3

#: cli.md's flag names: ``skip-cache``, ..., ``stop-on-redirect``.
FLAG_NAMES = {flag.name.lower().replace("_", "-"): flag for flag in Flags if flag and flag.name}

MISBEHAVIOURS = ("file-upload", "forged-context", "unknown-request")


def _connection_options(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument("--socket", default=default, help="The browser's listening socket.")
    parser.add_argument("--ipc-fd", type=int, default=default, help="The inherited descriptor of a spawning browser's channel.")
    parser.add_argument("--browser", default=default, help="The browser (tab) this renderer belongs to.")
    parser.add_argument("--sandbox", dest="sandbox", action="store_true", default=default, help="Refused: this renderer has no sandbox.")
    parser.add_argument("--no-sandbox", dest="sandbox", action="store_false", default=default, help="Run without the sandbox (always so).")
    parser.add_argument("--log-level", default=default, help="Accepted for parity; this renderer logs nothing.")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m webrequestkit.render_client",
                                  description="A render process in Python: WebRequests through the browser over IPC.")
    _connection_options(top, None)
    commands = top.add_subparsers(dest="command", required=True)

    fetch = commands.add_parser("fetch", help="Make one renderer-process request through the browser and report it.")
    fetch.add_argument("url")
    fetch.add_argument("-X", "--method", default="GET")
    fetch.add_argument("-H", "--header", action="append", default=[], dest="headers")
    fetch.add_argument("--data", action="append", default=[])
    fetch.add_argument("--data-file", action="append", default=[], dest="data_files")
    fetch.add_argument("--upload-file", action="append", default=[], dest="upload_files")
    fetch.add_argument("--flag", action="append", default=[], dest="flags")
    fetch.add_argument("--referrer")
    fetch.add_argument("--referrer-policy")
    fetch.add_argument("--first-party")
    fetch.add_argument("--cancel-after-bytes", type=int)
    fetch.add_argument("--drop-after-bytes", type=int)
    fetch.add_argument("--output")
    fetch.add_argument("--json", action="store_true")
    _connection_options(fetch, argparse.SUPPRESS)

    misbehave = commands.add_parser("misbehave", help="Send the browser a message its rules forbid.")
    misbehave.add_argument("kind", choices=MISBEHAVIOURS)
    _connection_options(misbehave, argparse.SUPPRESS)
    return top


def _fail_usage(message: str) -> NoReturn:
    print(f"render_client: {message}", file=sys.stderr)
    sys.exit(EXIT_REFUSED)


def _request(options: argparse.Namespace) -> WireRequest:
    elements: List = [Bytes(text.encode()) for text in options.data]
    for path in options.data_files:
        try:
            with open(path, "rb") as file:
                elements.append(Bytes(file.read()))
        except OSError as error:
            _fail_usage(f"--data-file {path!r} cannot be read: {error.strerror}")

    elements += [File(path) for path in options.upload_files]
    headers = []
    for header in options.headers:
        if ":" not in header:
            _fail_usage(f"--header {header!r} is not 'Name: value'")
        name, value = header.split(":", 1)
        headers.append((name.strip(), value.strip()))
    flags = 0
    for name in options.flags:
        if name not in FLAG_NAMES:
            _fail_usage(f"unknown --flag {name!r}; known: {', '.join(FLAG_NAMES)}")
        flags |= FLAG_NAMES[name]
    policy = 0
    if options.referrer_policy is not None:
        if options.referrer_policy not in REFERRER_POLICIES:
            _fail_usage(f"unknown --referrer-policy {options.referrer_policy!r}")
        policy = REFERRER_POLICIES[options.referrer_policy]
    for name in ("cancel_after_bytes", "drop_after_bytes"):
        if getattr(options, name) is not None and getattr(options, name) < 0:
            _fail_usage(f"--{name.replace('_', '-')} must be 0 or more")
    return WireRequest(url=options.url, method=options.method, headers=headers, elements=elements, flags=flags,
                       first_party_for_cookies=options.first_party or "", referrer_url=options.referrer or "",
                       referrer_policy=policy)


def _connect(options: argparse.Namespace) -> Session:
    if (options.socket is None) == (options.ipc_fd is None):
        _fail_usage("give exactly one of --socket PATH and --ipc-fd N")
    if options.sandbox:
        print("render_client: this renderer has no sandbox; run it with --no-sandbox", file=sys.stderr)
        sys.exit(4)
    try:
        channel = Channel.connect(options.socket) if options.socket is not None else Channel.adopt(options.ipc_fd)
        return Session(channel, channel.handshake(options.browser or ""))
    except ChannelError as error:
        print(f"render_client: {error}", file=sys.stderr)
        sys.exit(EXIT_UNREACHABLE)


class _Reporter(Target):
    """cli.md's ``--json`` lines, or a summary for people, for one request."""

    def __init__(self, options: argparse.Namespace, output, session: Session) -> None:
        self.options = options
        self.output = output
        self.session = session
        self.hasher = hashlib.sha256()
        self.body_bytes = 0
        self.text = bytearray()
        self.request_id = 0
        self.machine: Optional[Machine] = None
        self.exit_status: Optional[int] = None
        self.dropped_at: Optional[float] = None

    def emit(self, **members: object) -> None:
        if self.options.json:
            sys.stdout.write(json.dumps(members, separators=(",", ":"), ensure_ascii=False) + "\n")
            sys.stdout.flush()

    def perform(self, request_id: int, action: Action) -> bool:
        if self.dropped_at is not None:
            return False
        kind = action[0]
        if kind == "upload":
            self.emit(event="upload_progress", current=action[1], total=action[2])
        elif kind == "progress":
            self.emit(event="download_progress", current=action[1], total=action[2])
        elif kind == "data":
            data = action[1]
            self.emit(event="download_data", bytes=len(data))
            self.body_bytes += len(data)
            self.hasher.update(data)
            if self.output is not None:
                self.output.write(data)
            elif not self.options.json:
                self.text += data
            if self.options.cancel_after_bytes is not None and self.body_bytes >= self.options.cancel_after_bytes:
                self.session.cancel(request_id)
            elif self.options.drop_after_bytes is not None and self.body_bytes >= self.options.drop_after_bytes:
                self.session.abandon(request_id)  # the last reference goes: no cancel call
                self.dropped_at = time.monotonic()
                return False
        else:
            self.complete()
        return True

    def complete(self) -> None:
        machine = self.machine
        assert machine is not None
        response = machine.response
        self.emit(
            event="complete",
            status=Status(machine.status).name.lower(),
            error_code=machine.error,
            error=errors.error_name(machine.error),
            response=None if response is None else {
                "status": response.status, "status_text": response.status_text, "mime_type": response.mime_type,
                "charset": response.charset, "url": response.url, "headers": [[n, v] for n, v in response.headers],
                "http_version": response.http_version, "tls_version": response.tls_version,
            },
            body_bytes=self.body_bytes,
            body_sha256=self.hasher.hexdigest(),
            was_cached=machine.was_cached,
            routed_to_download=machine.routed_to_download,
        )
        if not self.options.json:
            self.summarize()
        self.exit_status = EXIT_SUCCESS if machine.status == Status.SUCCESS else EXIT_FAILED

    def summarize(self) -> None:
        machine = self.machine
        assert machine is not None
        response = machine.response
        mime = response.mime_type if response else ""
        if response is not None and self.output is None and (
            mime.startswith("text/") or mime.endswith("json") or mime.endswith("xml") or not mime
        ):
            sys.stdout.buffer.write(bytes(self.text))
            if self.text and not self.text.endswith(b"\n"):
                sys.stdout.buffer.write(b"\n")
            sys.stdout.flush()
        line = Status(machine.status).name.lower()
        if response is not None:
            line += f": {response.status} {response.status_text}"
            if mime:
                line += f" ({mime})"
            line += f", {self.body_bytes} bytes from {response.url}"
        if machine.error:
            line += f" [{errors.error_name(machine.error)}]"
        if self.options.output:
            line += f", body saved to {self.options.output}"
        print(line, file=sys.stderr)


def _fetch(options: argparse.Namespace) -> int:
    request = _request(options)
    output = None
    if options.output:
        try:
            output = open(options.output, "wb")
        except OSError as error:
            _fail_usage(f"cannot write --output {options.output}: {error.strerror}")
    session = _connect(options)
    reporter = _Reporter(options, output, session)
    try:
        sent = validated(request)
    except CreateError as refused:
        if options.json:
            reporter.emit(event="create_failed", reason=refused.kind, message=refused.message)
        else:
            print(f"refused: {refused.message}", file=sys.stderr)
        return EXIT_REFUSED
    reporter.request_id, reporter.machine = session.start(sent, reporter)
    while reporter.exit_status is None:
        if reporter.dropped_at is not None:
            if time.monotonic() - reporter.dropped_at >= 1.0:
                reporter.exit_status = EXIT_SUCCESS
                break
        if not session.wants_pump:
            writers = [session.channel] if session.channel.has_pending_output else []
            select.select([session.channel], writers, [], 0.1)
        session.pump()
    if output is not None:
        output.close()
    session.shutdown()
    return reporter.exit_status


def _misbehave(options: argparse.Namespace) -> int:
    session = _connect(options)
    envelope = wire.Envelope()
    if options.kind == "unknown-request":
        envelope.body_credit.request_id = 424242
        envelope.body_credit.bytes = 1
    else:
        envelope.start_request.request_id = 1
        body = envelope.start_request.request
        body.url, body.method = "http://127.0.0.1/", "GET"
        if options.kind == "file-upload":
            body.method = "POST"
            element = body.post_data.add()
            element.type = wire.PostDataElement.TYPE_FILE
            element.file_path = "/etc/passwd"
        else:
            body.request_context = "work"
    session.channel.send(envelope)
    session.channel.flush()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not session.closed:
        select.select([session.channel], [], [], 0.1)
        session.pump()
    ended = session.closed
    print(f"render_client: {'the browser closed the channel' if ended else 'the browser let it pass'}", file=sys.stderr)
    return 0 if ended else 1


def main(argv: Optional[List[str]] = None) -> int:
    options = parser().parse_args(argv)
    return _fetch(options) if options.command == "fetch" else _misbehave(options)


if __name__ == "__main__":
    sys.exit(main())
