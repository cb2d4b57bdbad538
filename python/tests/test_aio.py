"""The asyncio layer against a real browser-host."""

from __future__ import annotations

import asyncio

import webrequestkit
from webrequestkit import Complete, Data, DownloadProgress, Renderer, Status


def test_fetch_returns_the_response_and_body(browser, web_server):
    result = asyncio.run(webrequestkit.fetch(web_server.base_url + "/hello", socket=browser.socket))
    assert result.status == Status.SUCCESS and result.error == 0
    assert result.body == b"hello"
    assert result.response.status == 200
    assert isinstance(result.events[-1], Complete)


def test_events_come_in_order_and_leaving_early_cancels(browser, web_server):
    async def main():
        async with await Renderer.connect(browser.socket) as renderer:
            kinds = []
            async for event in renderer.events(web_server.base_url + "/bytes/200000?type=text/plain"):
                kinds.append(type(event))
            assert kinds[-1] is Complete and Data in kinds and DownloadProgress in kinds
            seen = 0
            async for event in renderer.events(web_server.base_url + "/bytes/50000000?type=text/plain"):
                if isinstance(event, Data):
                    seen += len(event.data)
                    if seen > 100000:
                        break
            return seen

    assert asyncio.run(main()) < 50000000
    status = browser.eventually(lambda s: s["in_flight"] == 0)
    assert status["in_flight"] == 0
