"""Bloom filter messages to a node that does not offer NODE_BLOOM, as Core's
p2p_nobloomfilter_messages.py (and p2p_filter.py, p2p_mempool) check them.

Core (net_processing.cpp): filterload, filteradd and filterclear "received
despite not offering bloom services", and mempool "request with bloom
filters disabled", disconnect the peer; the node's version does not carry
NODE_BLOOM."""

from scenario import check, run, wait
from test_framework.messages import (
    NODE_BLOOM,
    msg_filteradd,
    msg_filterclear,
    msg_filterload,
    msg_mempool,
)
from test_framework.p2p import P2PInterface


class VersionStore(P2PInterface):
    version_received = None

    def on_version(self, message):
        super().on_version(message)
        self.version_received = message


def scenario(node):
    conn = node.connect(VersionStore())
    check(not conn.version_received.nServices & NODE_BLOOM,
          f"the node does not offer NODE_BLOOM (services {conn.version_received.nServices:#x})")
    conn.peer_disconnect()
    wait(lambda: not conn.is_connected, "closed")
    for name, msg in (
        ("filterload", msg_filterload(data=b"\xbb" * 10)),
        ("filteradd", msg_filteradd(data=b"\xcc")),
        ("filterclear", msg_filterclear()),
        ("mempool", msg_mempool()),
    ):
        conn = node.connect(P2PInterface())
        conn.send_without_ping(msg)
        wait(lambda: not conn.is_connected, f"{name} without NODE_BLOOM disconnects")


if __name__ == "__main__":
    run(scenario)
