"""The header of a compact block (BIP152), as Core's cmpctblock handler
treats it before it looks at transactions (net_processing.cpp; Core's
p2p_compactblocks.py checks the block side, which a node of headers does
not have).

Core, in this order:
- a cmpctblock from a peer that never sent sendcmpct (version 2) is
  ignored;
- a header whose parent is unknown: a getheaders from the best header,
  only once out of initial block download; nothing else, not punished
  (its proof of work is not even looked at);
- a header whose chain has less work than the anti-DoS threshold (the
  tip's work less 144 blocks): ignored, not punished;
- then ProcessNewBlockHeaders: an invalid header (here a hash above its
  target) is punished (MaybePunishNodeForBlock: BLOCK_INVALID_HEADER
  whatever the path); a valid one is stored, the peer marked as having
  it, the tip followed and announced to the other peers."""

import random
import time

from chainpeer import Chain, ChainPeer, make_block, unsolve
from scenario import check, run, wait
from test_framework.messages import HeaderAndShortIDs, msg_cmpctblock, msg_headers, msg_sendcmpct
from test_framework.p2p import p2p_lock


def cmpct(block):
    c = HeaderAndShortIDs()
    c.initialize_from_block(block, use_witness=True)
    return msg_cmpctblock(c.to_p2p())


def next_block(chain, **kw):
    t = kw.pop("ntime", chain.headers[-1].nTime + 1)
    return make_block(chain.tip, chain.tip_height + 1, t, **kw)


def scenario(node):
    now = int(time.time())
    chain = Chain()
    chain.extend(200, start=now - 3600, spacing=1)

    miner = node.connect(ChainPeer(chain, serve=False))
    wait(lambda: len(miner.getheaders) >= 1, "the node's initial getheaders to the miner")
    miner.send_without_ping(msg_headers([]))  # not yet: the node stays at genesis

    b = node.connect(ChainPeer(serve=False))
    b.send_without_ping(msg_sendcmpct(announce=False, version=2))
    b.barrier()
    stray = make_block(random.randrange(1 << 256), 7, now - 60)
    b.send_without_ping(cmpct(stray))
    b.barrier()
    with p2p_lock:
        n = len(b.getheaders)
    check(n == 0 and b.is_connected, "in initial sync, a compact block that does not connect gets nothing")

    miner.send_without_ping(msg_headers(chain.headers[1:]))
    miner.barrier()
    with p2p_lock:
        miner.serve = True

    def tip_is(c, what):
        got = miner.ask(c.locator(c.tip_height - 1))
        check([h.hash_int for h in got] == [c.tip], what)

    tip_is(chain, "the node synced 200 headers from the miner")
    wait(lambda: len(b.getheaders) >= 1, "the node's initial getheaders to the compact block peer, now it is recent")
    b.send_without_ping(msg_headers([]))
    b.barrier()

    # From a peer that never sent sendcmpct: Core ignores it.
    a = node.connect(ChainPeer(serve=False))
    blk = next_block(chain)
    a.send_without_ping(cmpct(blk))
    a.barrier()
    got = miner.ask(chain.locator(chain.tip_height - 1))
    check(len(got) == 1 and a.is_connected, "a compact block from a peer that never sent sendcmpct is ignored")
    # Either way, the node has it after the miner's headers.
    miner.announce([blk])
    miner.barrier()
    chain.append(blk)
    tip_is(chain, "the miner's headers: the node has the block")

    # From the peer that sent sendcmpct: a header message of one.
    blk = next_block(chain)
    m_miner, m_b = miner.mark(), b.mark()
    b.send_without_ping(cmpct(blk))
    b.barrier()
    chain.append(blk)
    wait(lambda: len(miner.announcements_locked(m_miner)) >= 1, "a compact block's valid header is announced to the miner")
    check(miner.announcements(m_miner) == [("inv", [chain.tip])], "by inv (it did not send sendheaders)")
    check(b.announcements(m_b) == [], "not to the peer it came from")
    tip_is(chain, "the node follows it")

    # Out of initial sync, one that does not connect gets a getheaders.
    b.send_without_ping(cmpct(stray))
    wait(lambda: len(b.getheaders) >= 2, "a compact block that does not connect gets a getheaders")
    with p2p_lock:
        g = b.getheaders[-1]
    check(g.locator.vHave == chain.locator(), "from the best header")
    b.send_without_ping(msg_headers([]))

    # The parent comes first: one that does not connect is not punished
    # even with a hash above its target.
    bad = unsolve(make_block(random.randrange(1 << 256), 9, now - 60))
    b.send_without_ping(cmpct(bad))
    b.barrier()
    with p2p_lock:
        n = len(b.getheaders)
    check(b.is_connected, "an unconnecting compact block with a bad proof of work is not punished")
    check(n == 3, f"it gets a getheaders like any unconnecting one (got {n - 2})")
    b.send_without_ping(msg_headers([]))

    # Low work, from far below the tip: ignored, even with a bad proof of work.
    deep = chain.copy(10)
    low = next_block(deep, tag=5)
    b.send_without_ping(cmpct(low))
    b.send_without_ping(cmpct(unsolve(next_block(deep, tag=6))))
    b.barrier()
    check(b.is_connected, "low-work compact blocks are ignored, a bad proof of work among them unpunished")
    deep.append(low)
    with p2p_lock:
        n = len(b.getheaders)
    b.send_without_ping(msg_headers([next_block(deep)]))
    wait(lambda: len(b.getheaders) > n, "a header on the low-work one does not connect: it was not stored")
    b.send_without_ping(msg_headers([]))

    # On the tip with a hash above its target: punished.
    b.send_without_ping(cmpct(unsolve(next_block(chain))))
    wait(lambda: not b.is_connected, "a connecting compact block with a bad proof of work: disconnected")
    tip_is(chain, "and not kept")


if __name__ == "__main__":
    run(scenario)
