"""What the node sends before the handshake ends, as Core's p2p_leak.py
checks it (-handshaketimeout=3s for Core's -peertimeout=3).

Core (net_processing.cpp): before it has the peer's verack it sends nothing
but version, verack and the feature negotiation messages (wtxidrelay and
sendaddrv2 to a peer of version 70016 or later, nothing of the kind to an
older one), whatever the peer sends it; to a peer that sent no version it
sends nothing at all. Its version tells no local address (addrFrom is
0.0.0.0:0) and names the peer's address only when it is routable (so
0.0.0.0:0 to us on loopback), carries the time within the hour and the relay flag set. A peer
older than 31800 (MIN_PEER_PROTO_VERSION) is disconnected."""

import time

from scenario import check, run, wait
from test_framework.messages import msg_getaddr, msg_ping, msg_version
from test_framework.p2p import P2P_SERVICES, P2P_SUBVERSION, P2P_VERSION_RELAY, P2PInterface

# What may come before our verack.
NEGOTIATION = {"version", "verack", "wtxidrelay", "sendaddrv2", "feature"}


class LazyPeer(P2PInterface):
    """Records everything; answers nothing."""
    def __init__(self):
        super().__init__()
        self.received = []

    def on_message(self, message):
        self.received.append(message.msgtype.decode())
        super().on_message(message)

    def on_version(self, message):
        pass

    def on_ping(self, message):
        pass


class NoVerackIdlePeer(LazyPeer):
    """Answers the node's version with a ping and a getaddr, never a verack."""
    def on_version(self, message):
        self.send_without_ping(msg_ping(nonce=7))
        self.send_without_ping(msg_getaddr())


class VersionStore(P2PInterface):
    version_received = None

    def on_version(self, message):
        super().on_version(message)
        self.version_received = message


def old_version(n):
    v = msg_version()
    v.nVersion = n
    v.strSubVer = P2P_SUBVERSION
    v.nServices = P2P_SERVICES
    v.relay = P2P_VERSION_RELAY
    return v


def scenario(node):
    no_version = node.connect(LazyPeer(), send_version=False, wait_for_verack=False)
    no_verack = node.connect(NoVerackIdlePeer(), wait_for_verack=False)
    pre_wtxid = node.connect(NoVerackIdlePeer(), send_version=False, wait_for_verack=False)
    pre_wtxid.send_without_ping(old_version(70015))

    wait(lambda: "verack" in no_verack.last_message, "version and verack to a 70017 peer")
    wait(lambda: "verack" in pre_wtxid.last_message, "version and verack to a 70015 peer")
    # Whatever leaks does so before the timeout; the peers are closed by it.
    for c in (no_version, no_verack, pre_wtxid):
        wait(lambda: not c.is_connected, "an idle peer closed at the handshake timeout", timeout=10)

    check(no_version.received == [], f"nothing sent to a peer that sent no version (got {no_version.received})")
    leaked = [m for m in no_verack.received if m not in NEGOTIATION]
    check(leaked == [], f"only negotiation messages before verack (also got {leaked})")
    check("wtxidrelay" in no_verack.received and "sendaddrv2" in no_verack.received,
          f"wtxidrelay and sendaddrv2 to a 70016+ peer (got {no_verack.received})")
    leaked = [m for m in pre_wtxid.received if m not in NEGOTIATION]
    check(leaked == [], f"only negotiation messages before verack to a 70015 peer (also got {leaked})")
    check("wtxidrelay" not in pre_wtxid.received and "sendaddrv2" not in pre_wtxid.received,
          f"no wtxidrelay or sendaddrv2 to a 70015 peer (got {pre_wtxid.received})")

    store = node.connect(VersionStore())
    ver = store.version_received
    now = time.time()
    check(now - 3600 <= ver.nTime <= now + 3600, f"version time within an hour of ours ({ver.nTime})")
    check(ver.addrFrom.ip == "0.0.0.0" and ver.addrFrom.port == 0,
          f"version's addrFrom is 0.0.0.0:0 ({ver.addrFrom.ip}:{ver.addrFrom.port})")
    check(ver.nStartingHeight == 0, f"starting height 0 with only genesis ({ver.nStartingHeight})")
    check(ver.relay == 1, f"relay flag set ({ver.relay})")
    check(ver.nVersion >= 70016, f"protocol version {ver.nVersion}")
    # Core's PushNodeVersion names the peer's address only when it is
    # routable: to a loopback peer, addr_recv is 0.0.0.0:0 too.
    check(ver.addrTo.ip == "0.0.0.0" and ver.addrTo.port == 0,
          f"version's addrTo is 0.0.0.0:0 for a loopback peer ({ver.addrTo.ip}:{ver.addrTo.port})")

    old = node.connect(P2PInterface(), send_version=False, wait_for_verack=False)
    old.send_without_ping(old_version(31799))
    wait(lambda: not old.is_connected, "a peer of version 31799 is disconnected")


if __name__ == "__main__":
    run(scenario)
