"""Core's p2p_initial_headers_sync.py, its first part: while the node's
best header is old (here: only genesis), headers sync runs with one peer,
and each new block announced by inv brings in one more peer.

Core (net_processing.cpp):
- SendMessages starts sync with one peer only (nSyncStarted) until the
  best header is less than 24 hours old;
- a block inv of an unknown block gets a getheaders from the best header
  (MaybeSendGetHeaders) from a peer sync started with; from another peer
  only once per peer (m_inv_triggered_getheaders_before_sync) and once
  per block (m_last_block_inv_triggering_headers_sync), both recorded
  only when the getheaders went out: a peer with one in flight (here after
  a header that did not connect) takes no turn, so another peer announcing
  the same block gets it;
- an empty headers message answers the getheaders in flight.
The second part of Core's test (the 15-minute headers download timeout,
run with mocked time) needs a clock the node under test does not offer."""

import random

from chainpeer import GENESIS, ChainPeer, make_header
from scenario import check, hold, run, wait
from test_framework.messages import CInv, MSG_BLOCK, msg_headers, msg_inv
from test_framework.p2p import p2p_lock


def announce_random_block(peers):
    inv = msg_inv([CInv(MSG_BLOCK, random.randrange(1 << 256))])
    for p in peers:
        p.send_without_ping(inv)
        p.barrier()


def count(p):
    with p2p_lock:
        return len(p.getheaders)


def got_getheaders(p, n, what):
    wait(lambda: len(p.getheaders) >= n, what)
    with p2p_lock:
        g = p.getheaders[n - 1]
    check(g.locator.vHave[0] == GENESIS, "from the best header (genesis)")


def scenario(node):
    p1 = node.connect(ChainPeer(serve=False))
    got_getheaders(p1, 1, "the first peer gets the initial getheaders")
    p1.send_without_ping(msg_headers())  # an empty answer clears it

    p2 = node.connect(ChainPeer(serve=False))
    p3 = node.connect(ChainPeer(serve=False))
    for p in (p1, p2, p3):
        p.barrier()
    hold(lambda: len(p2.getheaders) == 0 and len(p3.getheaders) == 0,
         "no getheaders to the second and third peers: sync runs with one peer while the tip is old", 1.5)

    announce_random_block([p1, p2, p3])
    got_getheaders(p1, 2, "a block inv from all three: the sync peer gets a getheaders")
    p1.send_without_ping(msg_headers())
    n2, n3 = count(p2), count(p3)
    check(n2 + n3 == 1, f"exactly one of the other two gets one (got {n2} and {n3})")
    first, other = (p2, p3) if n2 == 1 else (p3, p2)
    first.send_without_ping(msg_headers())
    first.barrier()

    announce_random_block([p1, p2, p3])
    got_getheaders(p1, 3, "another block inv: the sync peer gets a getheaders")
    got_getheaders(other, 1, "and so does the peer that had none")
    check(count(first) == 1, "not the one that had its turn")

    # A peer with a getheaders in flight takes no turn.
    p4 = node.connect(ChainPeer(serve=False))
    p5 = node.connect(ChainPeer(serve=False))
    orphan = make_header(random.randrange(1 << 256), 5, 1700000000)
    p4.send_without_ping(msg_headers([orphan]))
    got_getheaders(p4, 1, "a header that does not connect gets a getheaders")
    block = random.randrange(1 << 256)
    p4.send_without_ping(msg_inv([CInv(MSG_BLOCK, block)]))
    p4.barrier()
    check(count(p4) == 1, "a block inv while that is in flight gets none")
    p5.send_without_ping(msg_inv([CInv(MSG_BLOCK, block)]))
    p5.barrier()
    got_getheaders(p5, 1, "so the same block from another peer still brings that peer in")
    p4.send_without_ping(msg_headers())
    announce_random_block([p4])
    got_getheaders(p4, 2, "and the first, once answered, still has its turn")


if __name__ == "__main__":
    run(scenario)
