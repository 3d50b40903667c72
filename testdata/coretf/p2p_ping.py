"""Ping and pong as Core's p2p_ping.py checks them, with the node's timers
shortened by flags (-pinginterval=1s -pingtimeout=3s) where Core's test mocks
its clock (PING_INTERVAL 2 min, TIMEOUT_INTERVAL 20 min).

Core (net_processing.cpp, MaybeSendPing and the PONG handler):
- a ping with a non-zero nonce is sent once the handshake is done;
- a pong with the wrong nonce leaves the ping outstanding ("Nonce mismatch");
- a pong whose nonce is zero, or a pong without a nonce ("Short payload"),
  cancels the outstanding ping: the peer is not disconnected for it;
- a peer that leaves a ping unanswered for the timeout is disconnected, even
  while it sends pings of its own."""

from scenario import check, hold, run, wait
from test_framework.messages import msg_generic, msg_pong
from test_framework.p2p import P2PInterface


class NoPong(P2PInterface):
    """Never answers the node's pings."""
    def on_ping(self, message):
        pass


class WrongPong(P2PInterface):
    """Answers every ping with the wrong nonce."""
    def on_ping(self, message):
        self.send_without_ping(msg_pong((message.nonce - 1) & 0xFFFFFFFFFFFFFFFF))


class ZeroPong(P2PInterface):
    """Answers every ping with nonce zero, which Core takes as a cancel."""
    def on_ping(self, message):
        self.send_without_ping(msg_pong(0))


class ShortPong(P2PInterface):
    """Answers every ping with an empty pong, which Core also takes as a cancel."""
    def on_ping(self, message):
        self.send_without_ping(msg_generic(b"pong", b""))


def scenario(node):
    good = node.connect(P2PInterface())
    nopong = node.connect(NoPong())
    wrong = node.connect(WrongPong())
    zero = node.connect(ZeroPong())
    short = node.connect(ShortPong())

    wait(lambda: "ping" in nopong.last_message, "the node pings once the handshake is done")
    check(nopong.last_message["ping"].nonce != 0, "its ping carries a non-zero nonce")

    # The silent peer keeps pinging us; that must not save it.
    for _ in range(3):
        nopong.sync_with_ping(timeout=5)
    wait(lambda: not nopong.is_connected, "a peer that never answers pings is disconnected after the ping timeout", timeout=10)
    wait(lambda: not wrong.is_connected, "a peer answering with the wrong nonce is disconnected after the ping timeout", timeout=10)
    wait(lambda: good.message_count["ping"] >= 2, "an answering peer is pinged again after the interval", timeout=5)
    check(good.is_connected, "a peer that answers its pings stays connected")
    wait(lambda: zero.is_connected and zero.message_count["ping"] >= 3,
         "a peer answering pong(0) is pinged again and stays connected (Core: Nonce zero cancels the ping)", timeout=8)
    wait(lambda: short.is_connected and short.message_count["ping"] >= 3,
         "a peer answering an empty pong is pinged again and stays connected (Core: Short payload cancels the ping)", timeout=8)
    # Unsolicited pong: ignored.
    good.send_and_ping(msg_pong(12345), timeout=5)
    check(good.is_connected, "an unsolicited pong is ignored")


if __name__ == "__main__":
    run(scenario)
