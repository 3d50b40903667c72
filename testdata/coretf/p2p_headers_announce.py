"""Following the tip and announcing it, as Core's p2p_sendheaders.py checks
it (parts 2 and 3), with a framework peer that mines: the node syncs from
it, then every new best header is announced to the other peers, and a
longer fork from it reorganizes the node's chain.

Core (net_processing.cpp):
- UpdatedBlockTip queues the hashes of the blocks that are new on the best
  chain, at most MAX_BLOCKS_TO_ANNOUNCE (8) back from the new tip;
- SendMessages, for a peer that sent sendheaders: first
  ProcessBlockAvailability (a block the peer announced by inv, unknown
  then, counts as known to it now), then the queued blocks the peer is not
  known to have (PeerHasHeader: an ancestor of its best known block or of
  the best header we sent it), as one headers message, when the first of
  them builds on one it has; else, or with more than 8 queued, or for a
  peer that did not send sendheaders, an inv of the tip unless the peer
  has it;
- an inv does not count as sending the header (pindexBestHeaderSent is set
  by headers announcements and getheaders answers only), so after an inv
  the peer gets invs until a getheaders of ours answers it up to the tip
  or it tells us of the tip itself;
- a getheaders answer sets the best header sent to its last header (the
  tip when the answer is empty);
- the best header is the first seen of the most work: an equal-work fork
  moves nothing; a fork with more work is followed, and getheaders answers
  follow it (FindForkInGlobalIndex, then the best chain)."""

import time

from chainpeer import Chain, ChainPeer, sync_headers_from
from scenario import check, run, wait
from test_framework.messages import CInv, MSG_BLOCK, msg_inv, msg_sendheaders
from test_framework.p2p import p2p_lock


def hashes(hs):
    return [h.hash_int for h in hs]


class Net:
    """The miner (p1), a peer that sent sendheaders (p2) and one that did
    not (p3)."""

    def __init__(self, p1, p2, p3):
        self.p1, self.p2, self.p3 = p1, p2, p3
        self.marks = {}

    def mark(self):
        self.marks = {p: p.mark() for p in (self.p1, self.p2, self.p3)}

    def expect(self, want, what):
        """Wait for the announcements of want (peer -> list of
        ("headers"|"inv", [hashes])) since the last mark, then make sure,
        through each peer's barrier (the sender's first), that nothing
        else came; mark again."""
        for p, w in want.items():
            if w:
                wait(lambda: len(p.announcements_locked(self.marks[p])) >= len(w), f"{what}: {p.name} announcement", timeout=10)
        for p in (self.p1, self.p2, self.p3):
            p.barrier()
        for p in (self.p1, self.p2, self.p3):
            got = p.announcements(self.marks[p])
            check(got == want.get(p, []), f"{what}: {p.name} gets {short(want.get(p, []))} (got {short(got)})")
        self.mark()


def short(anns):
    return [(k, [f"{x:064x}"[:8] for x in hs]) for k, hs in anns]


def mine(chain, n, tag=0):
    """n new headers on chain, a second apart, after its tip."""
    return chain.extend(n, start=chain.headers[-1].nTime + 1, spacing=1, tag=tag)


def scenario(node):
    now = int(time.time())
    chain = Chain()
    chain.extend(30, start=now - 3600, spacing=60)

    p1 = node.connect(ChainPeer(chain))
    p1.name = "the miner"
    wait(lambda: p1.got_sendheaders(), "the node synced from the miner (and sent it sendheaders)")
    p1.barrier()

    p2 = node.connect(ChainPeer())
    p2.name = "the sendheaders peer"
    wait(lambda: len(p2.getheaders) >= 1, "the node's initial getheaders to the second peer")
    p2.barrier()
    sync_headers_from(p2)
    check(p2.chain.hashes == chain.hashes, "the second peer synced the chain from the node")
    p2.send_without_ping(msg_sendheaders())

    p3 = node.connect(ChainPeer())
    p3.name = "the inv peer"
    wait(lambda: len(p3.getheaders) >= 1, "the node's initial getheaders to the third peer")
    net = Net(p1, p2, p3)
    for p in (p1, p2, p3):
        p.barrier()
    net.mark()

    # Core's part 2: new blocks announced by headers to the peer that asked
    # for them, by inv to the other, to neither the one they came from.
    new = mine(chain, 1)
    p1.announce(new)
    net.expect({p2: [("headers", hashes(new))], p3: [("inv", hashes(new))]}, "one block from the miner's headers")

    new = mine(chain, 3)
    p1.announce(new)
    net.expect({p2: [("headers", hashes(new))], p3: [("inv", hashes(new[-1:]))]},
               "three blocks in one headers message: three headers, one inv of the tip")

    new = mine(chain, 1)
    p1.send_without_ping(msg_inv([CInv(MSG_BLOCK, new[0].hash_int)]))
    wait(lambda: len(p1.getheaders) >= 2, "a block inv from the miner gets a getheaders")
    with p2p_lock:
        g = p1.getheaders[-1]
    check(g.locator.vHave[0] == chain.hashes[-2], "from our best header")
    net.expect({p2: [("headers", hashes(new))], p3: [("inv", hashes(new))]}, "a block the miner announced by inv")

    # A peer that told us of the block by inv, before we had it, does not
    # get it announced back.
    new = mine(chain, 1)
    p3.send_without_ping(msg_inv([CInv(MSG_BLOCK, new[0].hash_int)]))
    p3.barrier()
    p1.announce(new)
    net.expect({p2: [("headers", hashes(new))]}, "a block the inv peer announced first")

    # A block from the sendheaders peer goes to the other two (the miner
    # sent no sendheaders: an inv); the miner's own announcement of it
    # afterwards moves nothing.
    new = mine(chain, 1)
    p2.announce(new)
    net.expect({p1: [("inv", hashes(new))], p3: [("inv", hashes(new))]}, "a block from the sendheaders peer")
    p1.announce(new)
    net.expect({}, "the same block from the miner again")

    # Core's part 3: reorganizations.
    base = chain.tip_height
    fork = chain.copy(base - 7)
    new = mine(fork, 8, tag=1)
    with p2p_lock:
        p1.chain = fork
    p1.announce(new)
    net.expect({p2: [("headers", hashes(new))], p3: [("inv", hashes(new[-1:]))]},
               "a reorg of 7 blocks by 8: headers of all 8 (MAX_BLOCKS_TO_ANNOUNCE)")
    got = p2.ask(chain.locator())
    check(hashes(got) == hashes(new), "a getheaders from the old tip's locator gets the new branch from the fork point")
    net.mark()
    chain = fork

    for j in range(2):
        fork = chain.copy(chain.tip_height - 8)
        new = mine(fork, 9, tag=2 + j)
        with p2p_lock:
            p1.chain = fork
        p1.announce(new)
        net.expect({p2: [("inv", hashes(new[-1:]))], p3: [("inv", hashes(new[-1:]))]},
                   f"reorg {j + 1} of 8 blocks by 9: more than 8 new, an inv of the tip")
        chain = fork
        fork_point = chain.hashes[-10]

        nxt = mine(chain, 1)
        p1.announce(nxt)
        net.expect({p2: [("inv", hashes(nxt))], p3: [("inv", hashes(nxt))]},
                   "the next block: still an inv, the peer was not sent the reorg's headers")

        got = p2.ask([fork_point], new[1].hash_int)
        check(hashes(got) == hashes(new[:2]), "getheaders from the fork point to hash_stop: two headers")
        net.mark()
        nxt = mine(chain, 1)
        p1.announce(nxt)
        net.expect({p2: [("inv", hashes(nxt))], p3: [("inv", hashes(nxt))]},
                   "the next block: still an inv, the best header sent is too old")

        if j == 0:
            got = p2.ask([chain.tip])
            check(got == [], "getheaders from the tip: an empty answer")
        else:
            p2.send_without_ping(msg_inv([CInv(MSG_BLOCK, chain.tip)]))
            p2.barrier()
        net.mark()
        nxt = mine(chain, 1)
        p1.announce(nxt)
        net.expect({p2: [("headers", hashes(nxt))], p3: [("inv", hashes(nxt))]},
                   "after " + ("a getheaders answered up to the tip" if j == 0 else "the peer's inv of the tip") +
                   ", headers again")

    # An equal-work fork is not followed: first seen wins.
    rival = chain.copy(chain.tip_height - 1)
    alt = mine(rival, 1, tag=9)
    p1.announce(alt)
    net.expect({}, "a fork with as much work as the tip moves nothing")
    got = p2.ask([chain.hashes[-2]])
    check(hashes(got) == chain.hashes[-1:], "getheaders still answers from the first-seen tip")
    net.mark()

    # The sendheaders peer knows the first 3 blocks of a fork (it sent them:
    # as much work as our tip, so not followed); the miner then sends the
    # fork with 10 new blocks. Core queues only the last 8 and sends the 7
    # after the one the peer has.
    fork = chain.copy(chain.tip_height - 3)
    new = mine(fork, 10, tag=20)
    p2.announce(new[:3])
    net.expect({}, "three blocks of an equal-work fork from the sendheaders peer")
    with p2p_lock:
        p1.chain = fork
    p1.announce(new)
    net.expect({p2: [("headers", hashes(new[3:]))], p3: [("inv", hashes(new[-1:]))]},
               "a reorg by 10 of which the peer has 3: headers of the other 7")
    chain = fork
    got = p3.ask(chain.locator(chain.tip_height - 12))
    check(hashes(got) == chain.hashes[-12:], "getheaders follows the new best chain")
    net.mark()

    # The inv peer now got an inv of a block and then sends sendheaders.
    # Core never counts an inv as a header sent, so the next block goes to
    # it by inv (it is not known to have the parent); once a getheaders of
    # its own reached the tip, headers follow.
    new = mine(chain, 1)
    p1.announce(new)
    net.expect({p2: [("headers", hashes(new))], p3: [("inv", hashes(new))]}, "one more block")
    p3.send_without_ping(msg_sendheaders())
    p3.barrier()
    new = mine(chain, 1)
    p1.announce(new)
    net.expect({p2: [("headers", hashes(new))], p3: [("inv", hashes(new))]},
               "after an inv, a peer that then sent sendheaders gets the next block by inv")
    got = p3.ask(chain.locator(chain.tip_height - 2))
    check(hashes(got) == chain.hashes[-2:], "the peer asks for the headers it lacks")
    net.mark()
    new = mine(chain, 1)
    p1.announce(new)
    net.expect({p2: [("headers", hashes(new))], p3: [("headers", hashes(new))]},
               "then it gets headers, as it asked")

if __name__ == "__main__":
    run(scenario)
