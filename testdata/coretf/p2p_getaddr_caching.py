"""getaddr answers as Core's p2p_getaddr_caching.py checks them.

Core (net.cpp CConnman::GetAddresses with its cache, net_processing.cpp
GETADDR): an inbound peer's getaddr is answered from a cache kept per
network of the asker and per local socket it reached, rebuilt about daily:
two peers on the same socket within that window get the same answer, a
peer on another of the node's sockets gets its own; the answer holds 23% of
the address book, at most 1000; a second getaddr on one connection is
ignored.

Core's test fills the book with the addpeeraddress RPC; we have the node
learn 1000 addresses the way it learns them from the network: its manual
peer (-addnode, our listener on the first extra port) answers the node's
getaddr. The node's second listening socket is the second extra port."""

import time

from scenario import check, hold, run, wait
from test_framework.messages import CAddress, NODE_NETWORK, NODE_WITNESS, msg_addr, msg_getaddr
from test_framework.p2p import NetworkThread, P2P_SERVICES, P2PInterface

BOOK = 1000


class AddrSource(P2PInterface):
    """The node's manual peer: answers its getaddr with BOOK addresses."""
    def on_getaddr(self, message):
        now = int(time.time())
        m = msg_addr()
        for i in range(BOOK):
            a = CAddress()
            a.time = now - 60
            a.nServices = NODE_NETWORK | NODE_WITNESS
            a.ip = f"{20 + i // 200}.{i % 200}.1.1"
            a.port = 8333
            m.addrs.append(a)
        self.send_without_ping(m)


class AddrReceiver(P2PInterface):
    """Asks getaddr after the handshake (the framework does) and keeps the answers."""
    def __init__(self):
        super().__init__()
        self.answers = []

    def on_addr(self, message):
        self.answers.append([f"{a.ip}:{a.port}" for a in message.addrs])


def scenario(node):
    second_port, source_port = node.extra
    src = AddrSource()
    src.peer_connect_helper("0", 0, "regtest", 1)
    src.peer_connect_send_version(P2P_SERVICES)
    NetworkThread.listen(src, lambda addr, port: None, port=source_port, addr="127.0.0.1")
    node.conns.append(src)
    wait(lambda: src.is_connected, "the node dials its manual peer", timeout=15)
    wait(lambda: src.message_count["getaddr"] >= 1, "the node asks its manual peer for addresses", timeout=10)
    src.sync_with_ping(timeout=5)

    def ask(port):
        r = node.connect(AddrReceiver(), port=port)
        wait(lambda: len(r.answers) >= 1, "an answer to getaddr", timeout=10)
        return r

    first = ask(node.port)
    n = len(first.answers[0])
    check(int(BOOK * 0.23) // 2 <= n <= int(BOOK * 0.23),
          f"the answer holds about 23% of a book of {BOOK} ({n} addresses)")
    again = ask(node.port)
    check(again.answers[0] == first.answers[0], "a second peer on the same socket gets the same answer")
    other = ask(second_port)
    check(set(other.answers[0]) != set(first.answers[0]), "a peer on the node's other socket gets another answer")

    first.send_without_ping(msg_getaddr())
    first.sync_with_ping(timeout=5)
    hold(lambda: len(first.answers) == 1, "a second getaddr on one connection is ignored", 1.0)


if __name__ == "__main__":
    run(scenario)
