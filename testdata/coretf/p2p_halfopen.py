"""Connections from one host that have not sent their version yet.

Core (net.cpp AcceptConnection, CreateNodeFromAcceptedSocket) admits every
inbound connection up to its inbound slots, handshake done or not, and
ends a silent one only at the handshake timeout (p2p_timeouts.py opens
three such connections from 127.0.0.1, p2p_leak.py three more). This node
also closes, at accept, connections beyond 8 per /24 (/64) still in their
handshake (btcd's rule, connmgr DefaultMaxHandshakingPerGroup): a known
difference, printed rather than failed. Whatever it closes, a peer that
completes its handshake afterwards is served."""

from scenario import check, hold, known_difference, run, wait
from test_framework.p2p import P2PInterface

SILENT = 12


class Silent(P2PInterface):
    """Connects and says nothing."""
    def __init__(self):
        super().__init__()
        self.opened = False

    def on_open(self):
        self.opened = True


def scenario(node):
    silent = []
    for _ in range(SILENT):
        c = Silent()
        c.peer_connect(dstaddr=node.host, dstport=node.port, net="regtest", timeout_factor=1,
                       supports_v2_p2p=False, send_version=False)()
        node.conns.append(c)
        silent.append(c)
    wait(lambda: all(c.opened for c in silent), f"{SILENT} TCP connections opened")
    # The node closes at accept the ones it refuses; give it a moment.
    hold(lambda: sum(1 for c in silent if c.is_connected) >= 8, "at least 8 stay open meanwhile", 1.0)
    open_ = sum(1 for c in silent if c.is_connected)
    known_difference(open_ == SILENT, f"{SILENT} silent connections from one host all admitted ({open_} open)")
    check(open_ >= 8, f"at least 8 silent connections from one host admitted ({open_})")
    for c in silent:
        c.peer_disconnect()
    for c in silent:
        wait(lambda: not c.is_connected, "silent connection closed")
    node.connect(P2PInterface())
    check(True, "a peer that completes its handshake is served afterwards")


if __name__ == "__main__":
    run(scenario)
