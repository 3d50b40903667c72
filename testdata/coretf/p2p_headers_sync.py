"""Initial headers sync, both ways, as Core's p2p_initial_headers_sync.py
and p2p_sendheaders.py have it: the node syncs 4500 regtest headers from a
framework peer, and a second framework peer syncs them from the node the
way a Core node's initial headers sync would.

Core (net_processing.cpp):
- SendMessages starts sync with a peer that serves blocks (an inbound one
  while no preferred outbound peer is connected) by a getheaders whose
  locator starts at the best header's parent (GetLocator, chain.cpp's
  LocatorEntries), or at genesis when that is all it has;
  MaybeSendGetHeaders sends no second one while one is in flight
  (HEADERS_RESPONSE_TIME), so a tip announcement that does not connect
  gets none (HandleUnconnectingHeaders) and only marks the peer as having
  that block (hashLastUnknownBlock);
- ProcessHeadersMessage asks again from the last header of a full message
  (2000 headers) and stops after a shorter one;
- MaybeSendSendHeaders sends sendheaders once the peer's best known block
  has more work than the minimum chain work (0 on regtest): after the
  peer's first connecting headers, not for an announcement that does not
  connect, and never to a peer that has shown no block;
- once the best header is less than 24 hours old every peer that serves
  blocks gets an initial getheaders (from the best header's parent);
- UpdatedBlockTip announces nothing during initial block download (a tip
  older than 24 hours); the tip that ends it is announced (an inv to a
  peer that did not send sendheaders), and so is every tip after it, even
  one dated more than 24 hours ago: the end of initial block download is
  latched (UpdateIBDStatus);
- getheaders is answered from the best chain, 2000 headers at most."""

import time

from chainpeer import GENESIS, MAX_HEADERS_RESULTS, Chain, ChainPeer, sync_headers_from
from scenario import check, hold, run, wait
from test_framework.blocktools import TIME_GENESIS_BLOCK
from test_framework.messages import msg_headers, msg_sendheaders
from test_framework.p2p import p2p_lock

# Headers from 2011, then the last four from the past hour: the tip is
# recent, the median time of the last 11 is not.
OLD, RECENT = 4496, 4


def scenario(node):
    chain = Chain()
    chain.extend(OLD, start=TIME_GENESIS_BLOCK + 600, spacing=600)
    now = int(time.time())
    chain.extend(RECENT, start=now - 3600, spacing=60)
    tip_height = chain.tip_height
    print(f"built {tip_height} regtest headers, tip {chain.headers[-1].hash_hex}", flush=True)

    # The first peer: it holds the chain and answers nothing yet.
    p1 = node.connect(ChainPeer(chain, serve=False))
    wait(lambda: len(p1.getheaders) >= 1, "the node's initial getheaders to our inbound peer")
    with p2p_lock:
        first = p1.getheaders[0]
    check(first.locator.vHave == [GENESIS] and first.hashstop == 0,
          "its locator is genesis alone (the best header has no parent), to the end")
    check(not p1.got_sendheaders(), "no sendheaders to a peer that has shown no block")
    # A peer that watches: no getheaders while the tip is old, no
    # announcement during the initial sync (Core's UpdatedBlockTip
    # announces nothing in initial block download).
    watcher = node.connect(ChainPeer())

    # Announce our tip: it does not connect; a getheaders is in flight.
    p1.announce([chain.headers[-1]])
    p1.barrier()
    check(p1.is_connected, "an unconnecting tip announcement is not punished")
    with p2p_lock:
        n = len(p1.getheaders)
    check(n == 1, f"no second getheaders while one is in flight (got {n})")
    check(not p1.got_sendheaders(), "no sendheaders for an announcement that does not connect")

    # Now answer the getheaders, and every one after it, from our chain.
    with p2p_lock:
        p1.serve = True
    p1.send_without_ping(msg_headers(chain.answer(first.locator.vHave, first.hashstop)))
    rounds = (tip_height + MAX_HEADERS_RESULTS - 1) // MAX_HEADERS_RESULTS
    wait(lambda: len(p1.getheaders) >= rounds, f"{rounds} getheaders in all: the node continues after each full message",
         timeout=20)
    p1.barrier()
    with p2p_lock:
        gets = list(p1.getheaders)
        events = [e[0] for e in p1.events]
    check(len(gets) == rounds, f"no getheaders after the short last message (got {len(gets)})")
    for i in range(1, rounds):
        h = i * MAX_HEADERS_RESULTS
        check(gets[i].locator.vHave == chain.locator(h) and gets[i].hashstop == 0,
              f"getheaders {i + 1}: Core's locator from height {h} ({len(chain.locator(h))} hashes), to the end")
    check(p1.got_sendheaders(), "sendheaders once the peer's headers connected")
    check(events.index("sendheaders") == 2 and events[:2] == ["getheaders", "getheaders"],
          f"sendheaders right after the getheaders that follows the first headers (events {events[:4]})")
    watcher.barrier()
    got = watcher.announcements()
    check(got == [("inv", [chain.tip])],
          f"the watcher got one announcement, an inv of the tip, once the tip was recent (got {len(got)})")

    # The second peer: a Core node with only genesis. The node's tip is
    # recent now, so it starts sync with this peer too.
    p2 = node.connect(ChainPeer())
    wait(lambda: len(p2.getheaders) >= 1, "the node's initial getheaders to a second peer once its tip is recent")
    with p2p_lock:
        g = p2.getheaders[0]
    check(g.locator.vHave == chain.locator(tip_height - 1) and g.hashstop == 0,
          f"its locator starts at the best header's parent, height {tip_height - 1}")
    p2.barrier()  # our empty answer (we have only genesis) is processed

    sizes = sync_headers_from(p2)
    want = [MAX_HEADERS_RESULTS] * (tip_height // MAX_HEADERS_RESULTS) + [tip_height % MAX_HEADERS_RESULTS]
    check(sizes == want, f"the node serves the chain in messages of {want} (got {sizes})")
    check(p2.chain.hashes == chain.hashes, f"the second peer's chain is the first peer's, all {tip_height} headers")

    got = p2.ask([GENESIS], chain.hashes[10])
    check([h.hash_int for h in got] == chain.hashes[1:11], "getheaders from genesis to hash_stop 10: headers 1 to 10")
    got = p2.ask([chain.hashes[4000]] + chain.locator(100))
    check([h.hash_int for h in got] == chain.hashes[4001:], "the first locator hash on its chain is where the answer starts")
    got = p2.ask([0xdead, 0xbeef])
    check([h.hash_int for h in got] == chain.hashes[1:MAX_HEADERS_RESULTS + 1],
          "a locator of unknown hashes forks at genesis: the first 2000 headers")

    # A Core node that synced sends sendheaders; the node sends none back:
    # this peer has shown it no block.
    p2.send_without_ping(msg_sendheaders())
    p2.barrier()
    hold(lambda: not p2.got_sendheaders() and p2.is_connected,
         "no sendheaders to a peer that only asked for headers", 1.5)
    hold(lambda: len(p1.getheaders) == rounds, "no more getheaders to the first peer", 0.1)

    # Core latches the end of initial block download: a new tip is
    # announced even when its time (just after the median of the last 11,
    # from 2011 here) is older than 24 hours.
    m1, m2, mw = p1.mark(), p2.mark(), watcher.mark()
    new = chain.extend(1, start=chain.mtp() + 1)
    p1.announce(new)
    wait(lambda: len(p2.announcements_locked(m2)) >= 1 and len(watcher.announcements_locked(mw)) >= 1,
         "an old-dated new tip is announced", timeout=10)
    p1.barrier()
    check(watcher.announcements(mw) == [("inv", [chain.tip])], "by inv to the peer that did not send sendheaders")
    check(p2.announcements(m2) == [("inv", [chain.tip])],
          "by inv to the one that did too: its last getheaders answer ended at height 2000, and Core resets the "
          "best header sent to each answer's last (not the highest), so the tip's parent is not known to it")
    m2 = p2.mark()
    got = p2.ask([chain.hashes[-2]])
    check([h.hash_int for h in got] == [chain.tip], "a getheaders from the parent: the tip")
    new = chain.extend(1, start=chain.headers[-1].nTime + 1)
    p1.announce(new)
    wait(lambda: len(p2.announcements_locked(m2)) >= 2, "the next tip is announced", timeout=10)
    check(p2.announcements(m2)[1:] == [("headers", [chain.tip])], "now by headers to the peer that sent sendheaders")
    p1.barrier()
    check(p1.announcements(m1) == [], "neither tip to the peer it came from")


if __name__ == "__main__":
    run(scenario)
