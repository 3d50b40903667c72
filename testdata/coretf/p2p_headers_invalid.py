"""Headers Core refuses, and what it does to the peer that sent them, after
net_processing.cpp's headers handling and validation.cpp's header checks
(Core's p2p_sendheaders.py part 5 for unconnecting headers,
p2p_invalid_messages.py for the message size).

Core:
- more than 2000 headers in one message: Misbehaving ("headers message
  size"), nothing processed;
- CheckHeadersPoW, over the whole message before anything is stored: a
  header whose hash is above its own target, or whose bits are easier
  than the network's limit ("header with invalid proof of work"), or a
  header not on the one before it ("non-continuous headers sequence"):
  Misbehaving, none of the message kept;
- ProcessNewBlockHeaders, header by header, keeping those before the first
  refused: bits other than the difficulty rules require (bad-diffbits), a
  time not after the median of the last 11 (time-too-old), a version
  below 4 once BIP34/66/65 are active (height 1 on regtest) are
  BLOCK_INVALID_HEADER: Misbehaving; a time more than 2 hours ahead
  (time-too-new) is BLOCK_TIME_FUTURE: not kept, not punished;
- Misbehaving disconnects; it discourages too, but not a peer from a local
  address (these all come from 127.0.0.1), which may connect again;
- headers that do not connect (HandleUnconnectingHeaders): a getheaders
  from the best header, unless one is in flight (an empty headers message
  answers it); never punished, however many (no more
  MAX_NUM_UNCONNECTING_HEADERS_MSGS); a header whose parent was refused
  does not connect either;
- TryLowWorkHeadersSync: a short message of connecting headers whose
  chain has less work than the tip's less 144 blocks is ignored, not
  stored, not punished."""

import time

from chainpeer import MAX_FUTURE_BLOCK_TIME, MAX_HEADERS_RESULTS, Chain, ChainPeer, make_header, unsolve
from scenario import check, run, wait
from test_framework.messages import msg_headers
from test_framework.p2p import p2p_lock


def scenario(node):
    now = int(time.time())
    chain = Chain()
    chain.extend(200, start=now - 3600, spacing=1)
    miner = node.connect(ChainPeer(chain))
    wait(lambda: miner.got_sendheaders(), "the node synced 200 headers from the miner")
    miner.barrier()

    def tip_is(c, what):
        """The node's best header is c's tip (the answer to a getheaders
        from c's tip's parent)."""
        h = c.tip
        got = miner.ask(c.locator(c.tip_height - 1))
        check([x.hash_int for x in got] == [h], f"{what} (got {[x.hash_hex[:8] for x in got]})")

    def child(prev_chain, **kw):
        """A valid header on prev_chain's tip, a second after it."""
        t = kw.pop("ntime", prev_chain.headers[-1].nTime + 1)
        return make_header(prev_chain.tip, prev_chain.tip_height + 1, t, **kw)

    def punished(headers, what):
        p = node.connect(ChainPeer(serve=False))
        p.send_without_ping(msg_headers(headers))
        wait(lambda: not p.is_connected, f"{what}: disconnected", timeout=10)

    tip_is(chain, "the node's tip is the miner's")

    # CheckHeadersPoW and the message size: nothing of the message is kept.
    too_many = chain.copy()
    too_many.extend(MAX_HEADERS_RESULTS + 1, tag=1)
    punished(too_many.headers[-MAX_HEADERS_RESULTS - 1:], "2001 headers in one message")
    punished([unsolve(child(chain))], "a header above its target")
    punished([child(chain, bits=0x2100ffff)], "a header with bits easier than the limit")
    c = chain.copy()
    h1 = child(c)
    c.append(h1)
    c.extend(1)
    h3 = child(c)
    punished([h1, h3], "non-continuous headers")
    tip_is(chain, "none of them kept (not even the first header of the non-continuous message)")

    # Contextual checks: the headers before the refused one are kept.
    punished([child(chain, bits=0x1f7fffff)], "bits the difficulty rules do not give (bad-diffbits)")
    punished([child(chain, ntime=chain.mtp())], "a time at the median of the last 11 (time-too-old)")
    punished([child(chain, version=3)], "version 3 after BIP65 (bad-version)")
    kept = chain.copy()
    kept.extend(2, tag=2)
    bad = child(kept, ntime=kept.mtp())
    punished(kept.headers[-2:] + [bad], "two good headers, then one too old")
    tip_is(kept, "the two good headers before the refused one are kept")
    chain = kept
    with p2p_lock:
        miner.chain = chain

    # From the future: not kept, not punished.
    p = node.connect(ChainPeer(serve=False))
    wait(lambda: len(p.getheaders) >= 1, "the node's initial getheaders to a new peer")
    p.send_without_ping(msg_headers([]))
    good = child(chain)
    future = make_header(good.hash_int, chain.tip_height + 2, now + MAX_FUTURE_BLOCK_TIME + 600)
    mark = p.mark()
    p.send_without_ping(msg_headers([good, future]))
    p.barrier()
    check(p.is_connected, "a header more than 2 hours ahead is not punished")
    # Core refused the message at that header: it does not mark the peer
    # as having the one before it (UpdatePeerStateForReceivedHeaders is
    # not reached), so the new tip is announced to it too.
    got = p.announcements(mark)
    check(got == [("inv", [good.hash_int])], f"the new tip before it is announced to the peer by inv (got {len(got)})")
    chain.append(good)
    tip_is(chain, "the header before it is kept, it is not")
    soon = make_header(good.hash_int, chain.tip_height + 1, now + MAX_FUTURE_BLOCK_TIME - 600)
    p.send_without_ping(msg_headers([soon]))
    p.barrier()
    chain.append(soon)
    tip_is(chain, "one less than 2 hours ahead is")

    # Unconnecting headers, as Core's p2p_sendheaders.py part 5.
    with p2p_lock:
        before = len(p.getheaders)
    orphans = chain.copy()
    orphans.extend(30, tag=3)
    p.send_without_ping(msg_headers([orphans.headers[-29]]))
    wait(lambda: len(p.getheaders) > before, "a header that does not connect gets a getheaders")
    with p2p_lock:
        g = p.getheaders[-1]
        before = len(p.getheaders)
    check(g.locator.vHave == chain.locator() and g.hashstop == 0, "with the locator of the best header, to the end")
    p.send_without_ping(msg_headers([orphans.headers[-28]]))
    p.barrier()
    with p2p_lock:
        n = len(p.getheaders)
    check(n == before and p.is_connected, "another one while that getheaders is unanswered gets none, and no punishment")
    for i in range(20):
        p.send_without_ping(msg_headers([]))  # the answer: nothing
        p.send_without_ping(msg_headers([orphans.headers[-27 + i]]))
        wait(lambda: len(p.getheaders) > before + i, f"unconnecting header {i + 3} gets a getheaders", timeout=5)
    check(p.is_connected, "22 unconnecting headers are not punished (Core no longer counts them)")
    p.send_without_ping(msg_headers(orphans.headers[chain.tip_height + 1:]))
    p.barrier()
    chain = orphans
    with p2p_lock:
        miner.chain = chain
    tip_is(chain, "the missing headers connect them: the node follows")

    # A child of a refused header does not connect: it gets a getheaders.
    with p2p_lock:
        before = len(p.getheaders)
    refused = child(chain, ntime=chain.mtp())
    orphan = make_header(refused.hash_int, chain.tip_height + 2, chain.headers[-1].nTime + 2)
    p.send_without_ping(msg_headers([]))
    p.send_without_ping(msg_headers([orphan]))
    wait(lambda: len(p.getheaders) > before, "a header on a refused one does not connect: a getheaders")
    check(p.is_connected, "and no punishment")

    # A short low-work fork from far below the tip: ignored, not stored.
    deep = chain.copy(10)
    deep.extend(2, tag=4)
    q = node.connect(ChainPeer(serve=False))
    wait(lambda: len(q.getheaders) >= 1, "the node's initial getheaders to a new peer")
    q.send_without_ping(msg_headers([]))
    q.send_without_ping(msg_headers(deep.headers[-2:]))
    q.barrier()
    check(q.is_connected, "a short low-work fork is not punished")
    with p2p_lock:
        before = len(q.getheaders)
    q.send_without_ping(msg_headers([child(deep)]))
    wait(lambda: len(q.getheaders) > before, "a header on it does not connect: it was not stored")
    tip_is(chain, "the tip is unchanged")


if __name__ == "__main__":
    run(scenario)
