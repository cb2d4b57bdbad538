"""Real processes, as the Swift tests use them: the project's embedded web server
(``test-web-server``) and a browser (``browser-host serve``) per test, from the Swift build whose
folder is ``$WEBREQUESTKIT_BIN`` (scripts/python-test.sh sets it), else ``swift build
--show-bin-path``. The package under test is the installed one (``pip install ./python``)."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import tempfile
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _bin_dir() -> pathlib.Path:
    configured = os.environ.get("WEBREQUESTKIT_BIN")
    if configured:
        return pathlib.Path(configured)
    shown = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True, check=True)
    return pathlib.Path(shown.stdout.strip())


@pytest.fixture(scope="session")
def bin_dir() -> pathlib.Path:
    path = _bin_dir()
    for program in ("browser-host", "test-web-server", "render-client", "render-client-c"):
        if not (path / program).exists():
            pytest.fail(f"{path / program} is missing: build the Swift package first (swift build), or set WEBREQUESTKIT_BIN")
    return path


class WebServer:
    def __init__(self, process: subprocess.Popen, base_url: str) -> None:
        self.process = process
        self.base_url = base_url


@pytest.fixture(scope="session")
def web_server(bin_dir: pathlib.Path):
    process = subprocess.Popen([str(bin_dir / "test-web-server")], stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()  # listening url=URL port=PORT
    fields = dict(item.split("=", 1) for item in line.split()[1:])
    yield WebServer(process, fields["url"])
    process.terminate()
    process.wait(timeout=10)


class Browser:
    """A running ``browser-host serve``."""

    def __init__(self, bin_dir: pathlib.Path, directory: str, extra: list) -> None:
        self.bin_dir = bin_dir
        self.socket = os.path.join(directory, "browser.sock")
        self.stderr_path = os.path.join(directory, "browser.err")
        self._stderr = open(self.stderr_path, "w")
        self.process = subprocess.Popen(
            [str(bin_dir / "browser-host"), "serve", "--socket", self.socket, "--downloads", os.path.join(directory, "downloads"), "--json"] + extra,
            stdout=subprocess.PIPE, stderr=self._stderr, text=True,
        )
        ready = self.process.stdout.readline()
        assert ready == f"ready socket={self.socket} pid={self.process.pid}\n", f"browser-host did not start: {ready!r} {self.stderr()}"

    def stderr(self) -> str:
        self._stderr.flush()
        with open(self.stderr_path) as file:
            return file.read()

    def status(self) -> dict:
        result = subprocess.run(
            [str(self.bin_dir / "browser-host"), "status", "--socket", self.socket, "--json"],
            capture_output=True, text=True, timeout=10,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def eventually(self, condition, timeout: float = 5.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            status = self.status()
            if condition(status) or time.monotonic() > deadline:
                return status
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._stderr.close()


@pytest.fixture
def browser(bin_dir: pathlib.Path):
    with tempfile.TemporaryDirectory(prefix="wrk-py-") as directory:
        started = Browser(bin_dir, directory, [])
        yield started
        started.stop()


@pytest.fixture
def cef(browser: Browser):
    """cefpython, initialized as a renderer of ``browser``; shut down afterwards."""
    from webrequestkit import cefpython

    cefpython.Initialize(socket=browser.socket)
    yield cefpython
    cefpython.Shutdown()


def pump_until(cef, condition, timeout: float = 10.0) -> None:
    """Runs ``MessageLoopWork`` until ``condition()`` holds; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out waiting while pumping the message loop")
        cef.MessageLoopWork()
        time.sleep(0.002)
