"""The WebRequest part of cefpython's ``wxpython-response.py``, without wx, for WebRequestKit.

cefpython's example re-fetches each resource a page loads with ``WebRequest`` so that it can
read and rewrite the body before the page sees it (an "OnResourceResponse" hook CEF lacked).
Here the resource loads are URLs given on the command line, and the "page" is standard output;
the WebRequest code is the example's, fixed as its port to cefpython 66 must be: keyword
callback arguments, ``AllowStoredCredentials`` for cookies, the status name looked up from its
number, the returned ``WebRequest`` kept until it completes.

    WEBREQUESTKIT_SOCKET=/tmp/browser.sock python3 Examples/python/webrequest_response.py URL...
"""

import sys

from webrequestkit import cefpython as cef


class ResourceHandler:
    """Fetches one resource through a WebRequest and hands on its rewritten body."""

    def __init__(self, url, done):
        self._url = url
        self._done = done
        self._data = b""
        self._web_request = None  # the strong reference: kept until OnRequestComplete

    def ProcessRequest(self):
        request = cef.Request.CreateRequest()
        request.SetUrl(self._url)
        request.SetFlags(cef.Request.Flags["AllowStoredCredentials"])
        self._web_request = cef.WebRequest.Create(request, WebRequestClient(self))
        return True

    def _OnResourceResponse(self, request, status, error, response, data):
        # The example's hook: rewrite an HTML body before the page sees it.
        if response is not None and response.GetMimeType() == "text/html":
            data = b"<!-- rewritten by webrequest_response.py -->\n" + data
        return data

    def OnRequestComplete(self, web_request):
        status = web_request.GetRequestStatus()
        names = {number: name for name, number in cef.WebRequest.Status.items()}
        error = web_request.GetRequestError()
        response = web_request.GetResponse()
        data = self._OnResourceResponse(web_request.GetRequest(), status, error, response, self._data)
        http = f"{response.GetStatus()} {response.GetStatusText()}" if response is not None else "no response"
        print(f"{self._url}: {names.get(status, 'Unknown')}, error {error}, {http}, {len(data)} bytes")
        sys.stdout.flush()
        self._web_request = None
        self._done(self, status == cef.WebRequest.Status["Success"])


class WebRequestClient:
    def __init__(self, handler):
        self._handler = handler

    def OnUploadProgress(self, web_request, current, total):
        pass

    def OnDownloadProgress(self, web_request, current, total):
        pass

    def OnDownloadData(self, web_request, data):
        self._handler._data += data

    def OnRequestComplete(self, web_request):
        self._handler.OnRequestComplete(web_request)


def main(urls):
    sys.excepthook = cef.ExceptHook
    cef.Initialize()
    pending = set()
    failures = []

    def done(handler, succeeded):
        pending.discard(handler)
        if not succeeded:
            failures.append(handler)
        if not pending:
            cef.QuitMessageLoop()

    for url in urls:
        handler = ResourceHandler(url, done)
        pending.add(handler)
        handler.ProcessRequest()
    cef.MessageLoop()
    cef.Shutdown()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
