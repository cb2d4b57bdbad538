"""The channel's handshake against a real browser: the body ring (docs/ipc-protocol.md)."""

from __future__ import annotations

from webrequestkit._channel import Channel, ChannelError

import pytest


def test_the_handshake_maps_the_body_ring_the_browser_passes(browser):
    channel = Channel.connect(browser.socket)
    welcome = channel.handshake()
    assert welcome.body_ring_bytes == 8 << 20  # IPCLimits.bodyRingBytes
    assert channel.body_ring_bytes == welcome.body_ring_bytes
    channel.close()
    assert channel.body_ring_bytes == 0


def test_a_ring_chunk_outside_the_ring_breaks_the_channel(browser):
    channel = Channel.connect(browser.socket)
    channel.handshake()
    with pytest.raises(ChannelError, match="outside the body ring"):
        channel.read_ring(position=(8 << 20) - 10, length=20)
    assert channel.closed
