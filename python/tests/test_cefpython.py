"""cefpython's WebRequest API against a real browser-host and the embedded web server."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import threading
import time

import pytest

from conftest import pump_until
from webrequestkit import CreateError


class Client:
    """Records every callback, with cefpython's keyword arguments."""

    def __init__(self) -> None:
        self.events: list = []
        self.body = bytearray()
        self.completions = 0
        self.on_data = None

    def OnUploadProgress(self, web_request, current, total):
        self.events.append(("upload", current, total))

    def OnDownloadProgress(self, web_request, current, total):
        self.events.append(("progress", current, total))

    def OnDownloadData(self, web_request, data):
        assert isinstance(data, bytes)
        self.events.append(("data", len(data)))
        self.body += data
        if self.on_data:
            self.on_data(web_request)

    def OnRequestComplete(self, web_request):
        self.completions += 1
        self.events.append(("complete", web_request.GetRequestStatus(), web_request.GetRequestError()))


def run(cef, url: str, *, method: str = "GET", post=None, headers=None, flags: int = 0, client=None):
    request = cef.Request.CreateRequest()
    request.SetUrl(url)
    request.SetMethod(method)
    if post is not None:
        request.SetPostData(post)
    if headers:
        request.SetHeaderMultimap(headers)
    request.SetFlags(flags)
    client = client or Client()
    web_request = cef.WebRequest.Create(request, client)
    pump_until(cef, lambda: client.completions > 0)
    return web_request, client


# MARK: Request, without a browser

def test_post_data_round_trips_of_cefpythons_unittests():
    from webrequestkit import cefpython as cef

    path = os.path.abspath(__file__).encode()
    request = cef.Request.CreateRequest()
    request.SetMethod("POST")
    request.SetPostData([b"--key=value", b"@" + path])
    assert request.GetPostData() == [b"--key=value", b"@" + path]
    request.SetPostData({b"key": b"value"})
    assert request.GetPostData() == {b"key": b"value"}
    # cefpython merges 'a=1&b=2' into one field; its documentation promises the fields.
    request.SetPostData({b"a": b"1", b"b": b"2 3&4"})
    assert request.GetPostData() == {b"a": b"1", b"b": b"2 3&4"}
    request.SetMethod("GET")
    assert request.GetPostData() == {}, "only POST reads back a body"
    with pytest.raises(Exception, match="Invalid element in postData"):
        request.SetPostData([b"raw json"])
    with pytest.raises(Exception, match="only dict|list allowed"):
        request.SetPostData("text")


def test_requests_have_cefs_defaults_and_header_rules():
    from webrequestkit import cefpython as cef

    with pytest.raises(Exception, match="CreateRequest"):
        cef.Request()
    with pytest.raises(Exception):
        cef.WebRequest()
    request = cef.Request.CreateRequest()
    assert (request.GetUrl(), request.GetMethod(), request.GetFlags(), request.GetHeaderMap()) == ("", "GET", 0, {})
    assert not request.IsReadOnly()
    request.SetHeaderMultimap([("X-B", "2"), ("X-A", "1"), ("X-B", "3"), ("Referer", "http://dropped/")])
    assert request.GetHeaderMultimap() == [("X-A", "1"), ("X-B", "2"), ("X-B", "3")]
    assert request.GetHeaderMap() == {"X-A": "1", "X-B": "3"}, "a repeated name keeps its last value"
    request.SetHeaderMap({b"X-Bytes": b"v"})
    assert request.GetHeaderMap() == {"X-Bytes": "v"}, "bytes are decoded, not str()-ed"
    assert cef.Request.Flags["AllowStoredCredentials"] == cef.UR_FLAG_ALLOW_STORED_CREDENTIALS == 8
    assert cef.Request.Flags["AllowCookies"] == 0, "cefpython's dummy flags stay, as no-ops"
    assert cef.WebRequest.Status == {"Unknown": 0, "Success": 1, "Pending": 2, "Canceled": 3, "Failed": 4}
    assert cef.ERR_ABORTED == -3 and cef.ERR_CONNECTION_CLOSED == -100 and cef.ERR_CACHE_MISS == -400


def test_validate_client_names_the_missing_method():
    from webrequestkit import cefpython as cef

    class Partial:
        def OnRequestComplete(self, web_request):
            pass

    with pytest.raises(Exception, match="missing method: OnUploadProgress"):
        cef.WebRequest.ValidateClient(Partial())


# MARK: Through the browser

def test_a_get_streams_through_the_browser(cef, web_server):
    web_request, client = run(cef, web_server.base_url + "/bytes/300000?type=text/plain")
    assert client.completions == 1
    assert client.events[-1] == ("complete", cef.WebRequest.Status["Success"], cef.ERR_NONE)
    assert len(client.body) == 300000
    progress = [e for e in client.events if e[0] == "progress"]
    assert progress[-1] == ("progress", 300000, 300000), "a final progress event with every byte"
    response = web_request.GetResponse()
    assert response.GetStatus() == 200 and response.GetStatusText() == "OK"
    assert response.GetHeader("content-length") == "300000"
    assert response.IsReadOnly()
    assert web_request.GetRequest().IsReadOnly()
    assert web_request.GetRequest().GetUrl() == web_server.base_url + "/bytes/300000?type=text/plain"


def test_a_response_that_is_not_renderable_goes_to_the_browsers_downloads(cef, web_server, browser):
    web_request, client = run(cef, web_server.base_url + "/content?size=5000&disposition=attachment;%20filename=report.pdf")
    assert client.events[-1] == ("complete", cef.WebRequest.Status["Failed"], cef.ERR_ABORTED)
    assert client.body == b"", "the renderer gets none of the body"
    status = browser.eventually(lambda s: s["downloads"] == 1 and s["in_flight"] == 0)
    assert status["downloads"] == 1


def test_an_http_error_is_a_success_with_its_status(cef, web_server):
    web_request, client = run(cef, web_server.base_url + "/status/404")
    assert web_request.GetRequestStatus() == cef.WebRequest.Status["Success"]
    assert web_request.GetResponse().GetStatus() == 404
    assert bytes(client.body) == b"status 404\n"


def test_a_form_post_reaches_the_server(cef, web_server):
    web_request, client = run(cef, web_server.base_url + "/echo", method="POST", post={b"k": b"v w"})
    echo = json.loads(client.body)
    assert echo["method"] == "POST"
    assert echo["body_bytes"] == len(b"k=v+w")
    headers = {name.lower(): value for name, value in echo["headers"]}
    assert headers["content-type"] == "application/x-www-form-urlencoded"


def test_a_large_upload_is_streamed_with_progress(cef, web_server):
    body = b"--" + os.urandom(300000)
    web_request, client = run(
        cef, web_server.base_url + "/echo", method="POST", post=[body], flags=cef.Request.Flags["ReportUploadProgress"]
    )
    echo = json.loads(client.body)
    assert echo["body_bytes"] == len(body)
    assert echo["body_sha256"] == hashlib.sha256(body).hexdigest()
    uploads = [e for e in client.events if e[0] == "upload"]
    assert uploads and uploads[-1] == ("upload", len(body), len(body))
    first_download = next(i for i, e in enumerate(client.events) if e[0] in ("progress", "data"))
    assert max(i for i, e in enumerate(client.events) if e[0] == "upload") < first_download


@pytest.mark.parametrize(
    "method, post, headers, kind",
    [
        ("TRACE", None, None, "unsupported_method"),
        ("POST", [b"--one", b"--two"], None, "multiple_post_data_elements"),
        ("POST", [b"@/etc/passwd"], None, "file_element_in_renderer"),
        ("GET", None, [("Host", "elsewhere")], "invalid_header"),
    ],
)
def test_the_renderers_rules_refuse_at_create(cef, web_server, method, post, headers, kind):
    request = cef.Request.CreateRequest()
    request.SetUrl(web_server.base_url + "/hello")
    request.SetMethod(method)
    if post is not None:
        request.SetPostData(post)
    if headers:
        request.SetHeaderMultimap(headers)
    with pytest.raises(CreateError) as refused:
        cef.WebRequest.Create(request, Client())
    assert refused.value.kind == kind


def test_a_url_that_does_not_parse_is_refused(cef):
    request = cef.Request.CreateRequest()
    request.SetUrl("http://")
    with pytest.raises(CreateError, match="does not parse"):
        cef.WebRequest.Create(request, Client())


def test_cancel_completes_on_the_next_loop_work_and_nothing_follows(cef, web_server, browser):
    client = Client()
    client.on_data = lambda web_request: web_request.Cancel()
    request = cef.Request.CreateRequest()
    request.SetUrl(web_server.base_url + "/bytes/50000000?type=text/plain")
    web_request = cef.WebRequest.Create(request, client)
    pump_until(cef, lambda: client.completions > 0)
    assert client.events[-1] == ("complete", cef.WebRequest.Status["Canceled"], cef.ERR_ABORTED)
    for _ in range(20):
        cef.MessageLoopWork()
        time.sleep(0.005)
    assert client.completions == 1 and client.events[-1][0] == "complete", "nothing after completion"
    assert len(client.body) < 50000000
    web_request.Cancel()  # after completion: nothing
    assert browser.eventually(lambda s: s["in_flight"] == 0)["in_flight"] == 0


def test_a_dropped_web_request_is_canceled_and_its_client_hears_nothing(cef, web_server, browser):
    client = Client()
    request = cef.Request.CreateRequest()
    request.SetUrl(web_server.base_url + "/stall?type=text/plain")
    cef.WebRequest.Create(request, client)  # not kept: cefpython's strong-reference rule
    for _ in range(20):
        cef.MessageLoopWork()
        time.sleep(0.01)
    assert client.events == []
    status = browser.eventually(lambda s: s["in_flight"] == 0)
    assert status["in_flight"] == 0, status


def test_another_thread_may_not_use_a_web_request(cef, web_server):
    client = Client()
    request = cef.Request.CreateRequest()
    request.SetUrl(web_server.base_url + "/hello")
    web_request = cef.WebRequest.Create(request, client)
    caught: list = []

    def elsewhere():
        for call in (web_request.GetRequestStatus, web_request.Cancel, cef.MessageLoopWork):
            try:
                call()
            except RuntimeError as error:
                caught.append(str(error))
        try:
            cef.WebRequest.Create(cef.Request.CreateRequest(), Client())
        except CreateError as error:
            caught.append(error.kind)

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert len(caught) == 4 and caught[-1] == "invalid_thread", caught
    pump_until(cef, lambda: client.completions > 0)
    assert bytes(client.body) == b"hello"


def test_a_browser_that_dies_mid_request_completes_it_failed(cef, web_server, browser):
    client = Client()
    request = cef.Request.CreateRequest()
    request.SetUrl(web_server.base_url + "/stall?type=text/plain")
    web_request = cef.WebRequest.Create(request, client)
    for _ in range(10):
        cef.MessageLoopWork()
        time.sleep(0.01)
    browser.process.send_signal(signal.SIGKILL)
    browser.process.wait(timeout=10)
    pump_until(cef, lambda: client.completions > 0, timeout=5)
    assert client.events[-1] == ("complete", cef.WebRequest.Status["Failed"], cef.ERR_CONNECTION_CLOSED)
    assert web_request.GetRequestError() == cef.ERR_CONNECTION_CLOSED


def test_message_loop_runs_until_quit(cef, web_server):
    class Quitting(Client):
        def OnRequestComplete(self, web_request):
            super().OnRequestComplete(web_request)
            cef.QuitMessageLoop()

    client = Quitting()
    request = cef.Request.CreateRequest()
    request.SetUrl(web_server.base_url + "/hello")
    kept = cef.WebRequest.Create(request, client)
    cef.MessageLoop()
    assert client.completions == 1 and bytes(client.body) == b"hello"
    assert kept.GetRequestStatus() == cef.WebRequest.Status["Success"]


def test_a_renderer_that_sends_a_forbidden_message_is_ended(browser, web_server):
    """misbehave, in Python: a file element sent past the checks. The browser ends the channel."""
    from webrequestkit._channel import Channel, ChannelError
    from webrequestkit.ipc.v1 import ipc_pb2 as wire

    channel = Channel.connect(browser.socket)
    channel.handshake("")
    envelope = wire.Envelope()
    envelope.start_request.request_id = 1
    envelope.start_request.request.url = web_server.base_url + "/echo"
    envelope.start_request.request.method = "POST"
    element = envelope.start_request.request.post_data.add()
    element.type = wire.PostDataElement.TYPE_FILE
    element.file_path = "/etc/passwd"
    channel.send(envelope)
    channel.flush()
    deadline = time.monotonic() + 5
    with pytest.raises(ChannelError):
        while time.monotonic() < deadline:
            channel.receive()
            time.sleep(0.01)
    status = browser.eventually(lambda s: s["bad_messages"] == 1)
    assert status["bad_messages"] == 1
    assert "only the browser process reads files" in browser.stderr()


def test_the_seeds_example_runs_unchanged_against_the_browser(browser, web_server):
    """Examples/python/webrequest_response.py: cefpython's wxpython-response.py, its WebRequest part."""
    import pathlib
    import subprocess
    import sys

    example = pathlib.Path(__file__).resolve().parents[2] / "Examples" / "python" / "webrequest_response.py"
    urls = [web_server.base_url + "/hello", web_server.base_url + "/status/500", web_server.base_url + "/bytes/70000?type=text/html"]
    result = subprocess.run(
        [sys.executable, str(example)] + urls,
        env={**os.environ, "WEBREQUESTKIT_SOCKET": browser.socket}, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = sorted(result.stdout.splitlines())
    assert f"{urls[0]}: Success, error 0, 200 OK, 5 bytes" in lines
    assert f"{urls[1]}: Success, error 0, 500 Internal Server Error, 11 bytes" in lines
    assert f"{urls[2]}: Success, error 0, 200 OK, {70000 + len('<!-- rewritten by webrequest_response.py -->') + 1} bytes" in lines
