"""Low-work headers, as Core's p2p_headers_sync_with_minchainwork.py checks
them, with the anti-DoS threshold regtest has: the node holds 4500
headers; two framework peers offer forks from genesis that need more than
one message to pass the threshold (the tip's work less 144 blocks, since
regtest's minimum chain work is 0).

Core (net_processing.cpp's TryLowWorkHeadersSync and
IsContinuationOfLowWorkHeadersSync, headerssync.cpp's HeadersSyncState):
- a full message of connecting headers whose chain stays below the
  threshold starts a headers presync: nothing is stored, the next
  getheaders' locator is the last header received then the chain start's
  locator (NextHeadersRequestLocator, PRESYNC);
- a chain that ends (a short message) below the threshold is dropped:
  nothing stored, the peer not punished;
- one that passes it is downloaded again from the chain start (locator:
  the chain start's hash, then its locator; then the last header
  redownloaded, then the chain start's locator), and stored as it is
  released: here all of it, since it is shorter than the redownload
  buffer (7017 headers on regtest); with more work than the tip, the node
  follows it."""

import time

from chainpeer import GENESIS, Chain, ChainPeer, sync_headers_from
from scenario import check, run, wait
from test_framework.blocktools import TIME_GENESIS_BLOCK
from test_framework.messages import msg_headers
from test_framework.p2p import p2p_lock


def build(n, tag, now):
    """n headers from genesis, all but the last ten from 2011."""
    c = Chain()
    c.extend(n - 10, start=TIME_GENESIS_BLOCK + 600, spacing=600, tag=tag)
    c.extend(10, start=now - 3600 + tag, spacing=60, tag=tag)
    return c


def scenario(node):
    now = int(time.time())
    main = build(4500, 0, now)
    miner = node.connect(ChainPeer(main))
    wait(lambda: len(miner.getheaders) >= 3, "the node syncs 4500 headers from the miner", timeout=20)
    miner.barrier()

    def tip_is(c, what):
        got = miner.ask(c.locator(c.tip_height - 1))
        check([h.hash_int for h in got] == [c.tip], what)

    tip_is(main, "the node's tip is the miner's")

    # A fork from genesis that never has the work: 4300 headers.
    short = build(4300, 1, now)
    p = node.connect(ChainPeer(short))
    wait(lambda: len(p.getheaders) >= 3, "the node asks the short fork's peer three times", timeout=20)
    p.barrier()
    with p2p_lock:
        gets = [g.locator.vHave for g in p.getheaders]
    check(gets[0] == main.locator(4499), "first from its best header's parent")
    check(gets[1] == [short.hashes[2000], GENESIS] and gets[2] == [short.hashes[4000], GENESIS],
          "then, presyncing, from the last header received and the chain start (genesis)")
    check(len(gets) == 3 and p.is_connected, "the short last message ends it, unpunished")
    with p2p_lock:
        before = len(p.getheaders)
    p.send_without_ping(msg_headers([short.headers[2001]]))
    wait(lambda: len(p.getheaders) > before, "a header of that fork does not connect: nothing of it was stored")
    tip_is(main, "the tip is unchanged")

    # A fork from genesis with more work than the tip: 4700 headers.
    longer = build(4700, 2, now)
    q = node.connect(ChainPeer(longer))
    wait(lambda: len(q.getheaders) >= 6, "the node asks the longer fork's peer six times", timeout=20)
    q.barrier()
    with p2p_lock:
        gets = [g.locator.vHave for g in q.getheaders]
    check(gets[0] == main.locator(4499), "first from its best header's parent")
    check(gets[1] == [longer.hashes[2000], GENESIS] and gets[2] == [longer.hashes[4000], GENESIS],
          "presync: from the last header received and genesis")
    check(gets[3] == [GENESIS, GENESIS], "past the threshold: again from the chain start")
    check(gets[4] == [longer.hashes[2000], GENESIS] and gets[5] == [longer.hashes[4000], GENESIS],
          "redownload: from the last header redownloaded and genesis")
    check(len(gets) == 6, f"and no more (got {len(gets)})")
    with p2p_lock:
        miner.chain = longer
    tip_is(longer, "the node follows the fork with more work")

    # What a Core node syncing from the node now gets is the fork.
    r = node.connect(ChainPeer())
    sizes = sync_headers_from(r)
    check(r.chain.hashes == longer.hashes, f"a peer syncing from the node gets the fork ({sizes})")


if __name__ == "__main__":
    run(scenario)
