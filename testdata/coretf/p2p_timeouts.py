"""The handshake timeout as Core's p2p_timeouts.py checks it, with the node's
-handshaketimeout=3s standing in for Core's -peertimeout=3.

Core (net.cpp InactivityCheck, net_processing.cpp ProcessMessage):
- a peer that sends a version but never a verack, one that sends nothing,
  and one that sends only non-version messages are all still connected
  before the timeout and disconnected after it;
- a message other than version before the version is ignored ("non-version
  message before version handshake"), and one that is not a negotiation
  message after the version but before the verack is ignored ("Unsupported
  message prior to verack"): neither disconnects;
- the node sends its version to an inbound peer only after the peer's."""

import time

from scenario import check, hold, run, wait
from test_framework.messages import msg_ping
from test_framework.p2p import P2PInterface


class NoVerack(P2PInterface):
    def on_version(self, message):
        pass  # no verack in answer


def scenario(node):
    start = time.monotonic()
    no_verack = node.connect(NoVerack(), wait_for_verack=False)
    no_version = node.connect(NoVerack(), send_version=False, wait_for_verack=False)
    no_send = node.connect(NoVerack(), send_version=False, wait_for_verack=False)

    wait(lambda: "verack" in no_verack.last_message, "the node's version and verack after ours")
    no_verack.send_without_ping(msg_ping(nonce=1))
    no_version.send_without_ping(msg_ping(nonce=2))
    hold(lambda: all(c.is_connected for c in (no_verack, no_version, no_send)),
         "a ping before verack or before version is ignored, not punished", 1.0)
    check("pong" not in no_verack.last_message, "no pong before the handshake ends")
    check(len(no_version.last_message) == 0 and len(no_send.last_message) == 0,
          "nothing is sent to an inbound peer before its version")
    no_verack.send_without_ping(msg_ping(nonce=3))
    no_version.send_without_ping(msg_ping(nonce=4))

    wait(lambda: not no_verack.is_connected, "a peer without verack is disconnected at the timeout", timeout=10)
    wait(lambda: not no_version.is_connected, "a peer that sent no version is disconnected at the timeout", timeout=10)
    wait(lambda: not no_send.is_connected, "a silent peer is disconnected at the timeout", timeout=10)
    took = time.monotonic() - start
    check(took >= 2.5, f"not before the timeout (all gone {took:.1f}s after connecting, timeout 3s)")


if __name__ == "__main__":
    run(scenario)
