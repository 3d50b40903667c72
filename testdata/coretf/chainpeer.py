"""Regtest header chains built with the framework's blocktools, and a
framework peer that holds one and plays a Core node with it: it answers
getheaders from its chain as Core's net_processing does and records what
the node sends it. Used by the p2p_headers_*.py scenarios.

Every hash here is computed by the framework (CBlockHeader.hash_int), never
taken from the node."""

import time

from scenario import ScenarioFailure, wait
from test_framework.blocktools import TIME_GENESIS_BLOCK, create_block, create_coinbase
from test_framework.messages import (
    CBlockHeader,
    CInv,
    MSG_BLOCK,
    msg_getdata,
    msg_getheaders,
    msg_headers,
    uint256_from_compact,
)
from test_framework.p2p import P2PInterface, p2p_lock

MAX_HEADERS_RESULTS = 2000
MAX_FUTURE_BLOCK_TIME = 2 * 60 * 60


def genesis_header():
    """The regtest genesis block's header (Core's CreateGenesisBlock for regtest)."""
    h = CBlockHeader()
    h.nVersion = 1
    h.hashPrevBlock = 0
    h.hashMerkleRoot = 0x4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b
    h.nTime = TIME_GENESIS_BLOCK
    h.nBits = 0x207fffff
    h.nNonce = 2
    return h


GENESIS = genesis_header().hash_int
assert GENESIS == 0x0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206


def make_block(prev, height, ntime, *, tag=0, bits=None, version=None):
    """A solved regtest block (a coinbase only) at height on prev; tag
    varies the coinbase so that two blocks at one height on one parent
    differ."""
    b = create_block(prev, create_coinbase(height, fees=tag), ntime=ntime, version=version)
    if bits is not None:
        b.nBits = bits
    b.solve()
    return b


def make_header(prev, height, ntime, **kw):
    """The header of make_block(prev, height, ntime, **kw)."""
    return CBlockHeader(make_block(prev, height, ntime, **kw))


def unsolve(h):
    """Turn h into a header whose hash is above its target (bad proof of work)."""
    target = uint256_from_compact(h.nBits)
    while h.hash_int <= target:
        h.nNonce += 1
    return h


def locator_heights(height):
    """The heights of Core's block locator from height (chain.cpp's
    LocatorEntries: ten steps of one, then doubling, then genesis)."""
    out, step = [], 1
    while True:
        out.append(height)
        if height == 0:
            return out
        height = max(height - step, 0)
        if len(out) > 10:
            step *= 2


class Chain:
    """A best chain of headers from genesis, as a Core node holds it."""

    def __init__(self, headers=None):
        self.headers = headers or [genesis_header()]
        self.hashes = [h.hash_int for h in self.headers]
        self.height = {x: i for i, x in enumerate(self.hashes)}

    def copy(self, upto=None):
        """The chain up to and including height upto (all of it by default)."""
        end = len(self.headers) if upto is None else upto + 1
        return Chain(list(self.headers[:end]))

    def truncate(self, height):
        """Drop the headers above height (a reorganization to come)."""
        for x in self.hashes[height + 1:]:
            del self.height[x]
        del self.headers[height + 1:]
        del self.hashes[height + 1:]

    @property
    def tip(self):
        return self.hashes[-1]

    @property
    def tip_height(self):
        return len(self.headers) - 1

    def append(self, h):
        if h.hashPrevBlock != self.tip:
            raise ScenarioFailure(f"header {h.hash_hex} does not build on our tip")
        self.headers.append(h)
        x = h.hash_int
        self.hashes.append(x)
        self.height[x] = len(self.hashes) - 1

    def extend(self, n, *, start=None, spacing=1, tag=0):
        """Mine n headers on the tip: the first at time start (default the
        tip's time plus spacing), each spacing seconds after the one before.
        Returns them."""
        t = start if start is not None else self.headers[-1].nTime + spacing
        new = []
        for _ in range(n):
            h = make_header(self.tip, self.tip_height + 1, t, tag=tag)
            self.append(h)
            new.append(h)
            t += spacing
        return new

    def mtp(self):
        """The median time of the last 11 blocks (Core's GetMedianTimePast)."""
        times = sorted(h.nTime for h in self.headers[-11:])
        return times[len(times) // 2]

    def locator(self, height=None):
        """Core's GetLocator from height (the tip by default)."""
        return [self.hashes[x] for x in locator_heights(self.tip_height if height is None else height)]

    def answer(self, locator, stop):
        """Core's getheaders answer from this chain: None for no answer."""
        if not locator:
            if stop in self.height:
                return [self.headers[self.height[stop]]]
            return None
        fork = 0
        for x in locator:
            if x in self.height:
                fork = self.height[x]
                break
        out = []
        for h in range(fork + 1, len(self.headers)):
            out.append(self.headers[h])
            if len(out) >= MAX_HEADERS_RESULTS or self.hashes[h] == stop:
                break
        return out


class ChainPeer(P2PInterface):
    """A framework peer holding a chain. It answers the node's getheaders
    from its chain (when serve), asks for no blocks, and records every
    getheaders, headers, block inv and sendheaders the node sends, in
    order, for the scenario to read under p2p_lock."""

    def __init__(self, chain=None, *, serve=True):
        super().__init__()
        self.chain = chain or Chain()
        self.serve = serve
        self.getheaders = []   # msg_getheaders received
        self.headers_msgs = []  # lists of CBlockHeader received
        self.invs = []         # lists of block hashes received in invs
        self.events = []       # ("getheaders" | "headers" | "inv" | "sendheaders", index)
        self.blocks = 0        # block messages received (barrier answers)

    def on_getheaders(self, message):
        self.getheaders.append(message)
        self.events.append(("getheaders", len(self.getheaders) - 1))
        if self.serve:
            ans = self.chain.answer(message.locator.vHave, message.hashstop)
            if ans is not None:
                self.send_without_ping(msg_headers(ans))

    def on_headers(self, message):
        self.headers_msgs.append(message.headers)
        self.events.append(("headers", len(self.headers_msgs) - 1))

    def on_inv(self, message):
        blocks = [i.hash for i in message.inv if i.type & 0xff == MSG_BLOCK]
        if blocks:
            self.invs.append(blocks)
            self.events.append(("inv", len(self.invs) - 1))

    def on_sendheaders(self, message):
        self.events.append(("sendheaders", 0))

    def on_block(self, message):
        self.blocks += 1

    def got_sendheaders(self):
        return any(e[0] == "sendheaders" for e in self.events)

    def announce(self, headers):
        """Announce headers as a Core peer that got sendheaders does."""
        self.send_without_ping(msg_headers(headers))

    def barrier(self):
        """Wait until the node's chain handler has processed everything we
        sent before: ask it for the genesis block (a getdata it answers
        without changing what it knows of us) and wait for the block. What
        it sent us before arrives before that block."""
        with p2p_lock:
            before = self.blocks
        self.send_without_ping(msg_getdata([CInv(MSG_BLOCK, GENESIS)]))
        wait(lambda: self.blocks > before, "the node's chain handler caught up with us", timeout=10, quiet=True)

    def send_getheaders(self, locator, stop=0):
        m = msg_getheaders()
        m.locator.vHave = locator
        m.hashstop = stop
        self.send_without_ping(m)

    def ask(self, locator, stop=0, timeout=10):
        """Send getheaders and wait for the next headers message: returns it."""
        with p2p_lock:
            before = len(self.headers_msgs)
        self.send_getheaders(locator, stop)
        wait(lambda: len(self.headers_msgs) > before, "the node's headers answer", timeout=timeout, quiet=True)
        with p2p_lock:
            return self.headers_msgs[before]

    def announcements(self, start=0):
        """The node's headers and inv messages from event start on, as
        ("headers", [hashes]) or ("inv", [hashes])."""
        with p2p_lock:
            return self.announcements_locked(start)

    def announcements_locked(self, start=0):
        """announcements, for a caller holding p2p_lock (a wait predicate)."""
        out = []
        for kind, i in self.events[start:]:
            if kind == "headers":
                out.append(("headers", [h.hash_int for h in self.headers_msgs[i]]))
            elif kind == "inv":
                out.append(("inv", list(self.invs[i])))
        return out

    def mark(self):
        with p2p_lock:
            return len(self.events)


def sync_headers_from(peer, timeout=20):
    """Sync peer.chain from the node as Core's initial headers sync does:
    getheaders with the locator of our best header's parent, then one with
    the locator of the last header received after each full message, until
    a message of fewer than 2000. Each header is checked as Core's
    CheckHeadersPoW does (its own proof of work, each on the one before)
    and must connect to our chain. Returns the sizes of the messages."""
    chain = peer.chain
    start = chain.tip_height - 1 if chain.tip_height > 0 else 0
    locator = chain.locator(start)
    sizes = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = peer.ask(locator, timeout=max(deadline - time.monotonic(), 1))
        sizes.append(len(got))
        for h in got:
            if h.hash_int > uint256_from_compact(h.nBits):
                raise ScenarioFailure(f"header {h.hash_hex} from the node has invalid proof of work")
            if h.hash_int in chain.height:
                continue
            if h.hashPrevBlock not in chain.height:
                raise ScenarioFailure(f"header {h.hash_hex} from the node does not connect")
            if h.hashPrevBlock != chain.tip:
                chain.truncate(chain.height[h.hashPrevBlock])
            chain.append(h)
        if len(got) < MAX_HEADERS_RESULTS:
            return sizes
        locator = chain.locator()
    raise ScenarioFailure(f"sync from the node did not end within {timeout}s")
