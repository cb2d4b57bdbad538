"""``python -m webrequestkit.render_client`` against ``render-client`` (Swift) and
``render-client-c`` (C): the same browser, the same requests, the same lines and exit statuses."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def swift_client(bin_dir, browser) -> list:
    return [str(bin_dir / "render-client"), "--socket", browser.socket]


def c_client(bin_dir, browser) -> list:
    return [str(bin_dir / "render-client-c"), "--socket", browser.socket]


def python_client(bin_dir, browser) -> list:
    return [sys.executable, "-m", "webrequestkit.render_client", "--socket", browser.socket]


CLIENTS = {"swift": swift_client, "c": c_client, "python": python_client}


def run(command: list, *arguments: str) -> tuple:
    result = subprocess.run(command + list(arguments), capture_output=True, text=True, timeout=60)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.returncode, lines, result.stderr


def without_timing(lines: list) -> list:
    """The lines that do not depend on how the body was cut in time: data and progress counts
    vary with the loop's pace, the rest may not."""
    return [line for line in lines if line["event"] not in ("download_progress", "download_data")]


@pytest.mark.parametrize(
    "arguments",
    [
        ["/hello"],
        ["/status/404"],
        ["/echo", "-X", "POST", "--data", "k=v"],
        ["/echo", "-X", "PUT", "--data", "x" * 100000, "--flag", "report-upload-progress"],
        ["/redirect/302?to=/hello"],
        ["/redirect/302?to=/hello", "--flag", "stop-on-redirect"],
        ["/bytes/200000?type=text/plain"],
        ["/content?size=5000&disposition=attachment;%20filename=a.pdf"],
        ["/hello", "-X", "TRACE"],
        ["/hello", "--data", "a", "--data", "b"],
        ["/echo", "-X", "POST", "--upload-file", "/etc/hostname"],
        ["/hello", "-H", "Host: elsewhere"],
        ["/hello", "-H", "Cookie: a=b"],
    ],
    ids=lambda arguments: " ".join(arguments)[:50],
)
def test_the_three_renderers_print_the_same_lines(bin_dir, browser, web_server, arguments):
    url, options = web_server.base_url + arguments[0], arguments[1:]
    outcomes = {}
    for name, client in CLIENTS.items():
        status, lines, stderr = run(client(bin_dir, browser), "fetch", url, "--json", *options)
        outcomes[name] = (status, without_timing(lines))
        assert lines, f"{name} printed nothing: {stderr}"
    assert outcomes["python"] == outcomes["swift"]
    assert outcomes["python"] == outcomes["c"]


def test_canceling_after_some_bytes_exits_one(bin_dir, browser, web_server):
    status, lines, _ = run(python_client(bin_dir, browser), "fetch", web_server.base_url + "/bytes/5000000?type=text/plain",
                           "--json", "--cancel-after-bytes", "100000")
    assert status == 1
    assert lines[-1]["status"] == "canceled" and lines[-1]["error"] == "ERR_ABORTED"
    assert lines[-1]["body_bytes"] < 5000000


def test_dropping_the_last_reference_waits_and_exits_zero(bin_dir, browser, web_server):
    status, lines, _ = run(python_client(bin_dir, browser), "fetch", web_server.base_url + "/bytes/50000000?type=text/plain",
                           "--json", "--drop-after-bytes", "100000")
    assert status == 0
    assert all(line["event"] != "complete" for line in lines), "no callback after the drop"
    assert browser.eventually(lambda s: s["in_flight"] == 0)["in_flight"] == 0


@pytest.mark.parametrize("arguments", [["--flag", "no-such-flag"], ["-H", "no colon"], ["--cancel-after-bytes", "-1"]])
def test_a_wrong_command_line_exits_two(bin_dir, browser, web_server, arguments):
    status, _, stderr = run(python_client(bin_dir, browser), "fetch", web_server.base_url + "/hello", *arguments)
    assert status == 2, stderr


def test_an_unreachable_browser_exits_three(bin_dir, web_server):
    command = [sys.executable, "-m", "webrequestkit.render_client", "--socket", "/nonexistent/browser.sock"]
    status, _, stderr = run(command, "fetch", web_server.base_url + "/hello")
    assert status == 3 and "cannot connect" in stderr


def test_connection_options_may_follow_the_subcommand(bin_dir, browser, web_server):
    command = [sys.executable, "-m", "webrequestkit.render_client"]
    status, lines, stderr = run(command, "fetch", web_server.base_url + "/hello", "--json", "--socket", browser.socket)
    assert status == 0, stderr
    assert lines[-1]["status"] == "success"


def test_without_json_the_body_goes_to_stdout_and_a_summary_to_stderr(bin_dir, browser, web_server):
    result = subprocess.run(python_client(bin_dir, browser) + ["fetch", web_server.base_url + "/hello"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout == "hello\n"
    assert result.stderr.startswith("success: 200 OK (text/plain), 5 bytes from ")


@pytest.mark.parametrize("kind", ["file-upload", "forged-context", "unknown-request"])
def test_misbehaving_is_ended_by_the_browser(bin_dir, browser, kind):
    result = subprocess.run(python_client(bin_dir, browser) + ["misbehave", kind], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "the browser closed the channel" in result.stderr
    assert browser.eventually(lambda s: s["bad_messages"] == 1)["bad_messages"] == 1


def test_a_browser_spawns_it_with_an_inherited_channel(bin_dir, web_server, tmp_path):
    """``serve --spawn``: the channel comes as ``--ipc-fd N`` at the end of the command line.
    Without a sandbox of its own it runs under ``--no-sandbox``; a sandboxing browser ends it."""
    command = f"{sys.executable} -m webrequestkit.render_client fetch {web_server.base_url}/hello --json"
    serve = [str(bin_dir / "browser-host"), "serve", "--socket", str(tmp_path / "b.sock"), "--downloads", str(tmp_path / "d"),
             "--json", "--exit-when-idle", "--spawn", command]
    result = subprocess.run(serve + ["--no-sandbox"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    connected = [json.loads(line) for line in result.stdout.splitlines() if '"renderer_connected"' in line]
    assert connected and connected[0]["sandbox"] == []
    completes = [json.loads(line) for line in result.stderr.splitlines() if line.startswith('{"event":"complete"')]
    assert completes and completes[0]["status"] == "success"

    refused = subprocess.run(serve, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1, "the renderer did not exit 0"
    assert '"bad_message"' in refused.stdout or "sandbox" in refused.stderr
