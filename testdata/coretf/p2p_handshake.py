"""The handshake of the node's own outbound connections, as Core's
p2p_handshake.py checks it, through two -seednode connections (Core's
ADDR_FETCH) to listeners of ours, up before the node starts.

Core (net_processing.cpp VERSION, ProcessAddrs; net.h
ExpectServicesFromConn):
- an addr-fetch peer (like a full-relay or block-relay one, unlike inbound,
  manual and feeler) that does not offer NODE_NETWORK and NODE_WITNESS is
  disconnected on its version, before any verack ("peer does not offer the
  expected services");
- an addr-fetch peer that offers them is asked getaddr and disconnected
  once it answers with more than one address;
- the node's version names no address of ours and, as our peer is on
  loopback, none of its either; the relay flag is set;
- a redundant verack is ignored; a version is read only as far as it goes
  after addr_recv (addr_from and nonce, user agent, start height and relay
  are each optional)."""

import time

from scenario import check, run, wait
from test_framework.messages import (
    CAddress,
    NODE_NETWORK,
    NODE_NONE,
    NODE_WITNESS,
    msg_addr,
    msg_generic,
    msg_verack,
    msg_version,
)
from test_framework.p2p import P2P_SERVICES, P2P_SUBVERSION, P2P_VERSION, NetworkThread, P2PInterface


class Listener(P2PInterface):
    """A peer the node dials; keeps the version it gets."""
    def __init__(self):
        super().__init__()
        self.version_received = None
        self.listening = False

    def on_version(self, message):
        self.version_received = message
        super().on_version(message)

    def on_getaddr(self, message):
        m = msg_addr()
        for i in range(3):
            a = CAddress()
            a.time = int(time.time()) - 60
            a.nServices = NODE_NETWORK | NODE_WITNESS
            a.ip = f"30.{i}.1.1"
            a.port = 8333
            m.addrs.append(a)
        self.send_without_ping(m)


def listen(conn, port, services):
    conn.peer_connect_helper("0", 0, "regtest", 1)
    conn.peer_connect_send_version(services)

    def up(addr, p):
        conn.listening = True
    NetworkThread.listen(conn, up, port=port, addr="127.0.0.1")


def scenario(node):
    bare_port, full_port = node.extra
    bare, full = Listener(), Listener()
    listen(bare, bare_port, NODE_NONE)
    wait(lambda: bare.listening, "the listener without services is up")
    listen(full, full_port, NODE_NETWORK | NODE_WITNESS)
    wait(lambda: full.listening, "the listener with NETWORK and WITNESS is up")
    node.conns += [bare, full]
    print("ok: our listeners are up", flush=True)

    wait(lambda: bare.version_received is not None, "the node dials a seednode without services", timeout=20)
    wait(lambda: not bare.is_connected, "and disconnects it on its version (no NETWORK, WITNESS)", timeout=5)
    check("verack" not in bare.last_message, "disconnected before the node sends it a verack")

    wait(lambda: full.version_received is not None, "the node dials a seednode with NETWORK and WITNESS", timeout=20)
    wait(lambda: full.message_count["getaddr"] >= 1, "and asks it getaddr", timeout=5)
    wait(lambda: not full.is_connected, "and disconnects once it answered with addresses", timeout=5)

    ver = full.version_received
    check(ver.addrFrom.ip == "0.0.0.0" and ver.addrFrom.port == 0, f"addrFrom 0.0.0.0:0 ({ver.addrFrom.ip}:{ver.addrFrom.port})")
    check(ver.addrTo.ip == "0.0.0.0" and ver.addrTo.port == 0, f"addrTo 0.0.0.0:0 for a loopback peer ({ver.addrTo.ip}:{ver.addrTo.port})")
    check(ver.relay == 1, "relay flag set on an addr-fetch connection")

    conn = node.connect(P2PInterface())
    conn.send_and_ping(msg_verack(), timeout=5)
    check(conn.is_connected, "a redundant verack is ignored")

    # Core reads a version's fields after addr_recv only while bytes remain.
    v = msg_version()
    v.nVersion = P2P_VERSION
    v.nServices = P2P_SERVICES
    v.strSubVer = P2P_SUBVERSION
    full = v.serialize()
    after_nonce = 4 + 8 + 8 + 26 + 26 + 8
    for cut, what in ((46, "addr_recv"), (after_nonce, "the nonce"),
                      (after_nonce + 1 + len(P2P_SUBVERSION), "the user agent"),
                      (after_nonce + 1 + len(P2P_SUBVERSION) + 4, "the start height")):
        c = node.connect(P2PInterface(), send_version=False, wait_for_verack=False)
        c.send_raw_message(c.build_message(msg_generic(b"version", full[:cut])))
        wait(lambda: "verack" in c.last_message, f"a version that ends after {what} is accepted")


if __name__ == "__main__":
    run(scenario)
