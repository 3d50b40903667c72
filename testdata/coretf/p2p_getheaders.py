"""getheaders, getblocks and sendheaders against a node holding only the
regtest genesis block, as Core's net_processing.cpp answers them (checked by
Core's p2p_sendheaders.py and p2p_invalid_locator.py).

Core:
- a locator naming our tip gets an empty headers message (nothing after it);
- an empty locator with hashStop = a block we have gets that one header;
  an empty locator with an unknown hashStop gets no answer;
- a locator of only unknown hashes forks at genesis: headers after genesis
  (none here);
- a locator longer than 101 hashes disconnects (getheaders and getblocks);
- getblocks up to our tip announces nothing; sendheaders is accepted;
- sendheaders goes to a peer only once it announced a block with more than
  the minimum chain work (MaybeSendSendHeaders): an inv of genesis will do
  on regtest."""

from scenario import check, run, wait
from test_framework.messages import (
    MAX_LOCATOR_SZ,
    MSG_BLOCK,
    CInv,
    msg_inv,
    msg_getblocks,
    msg_getheaders,
    msg_sendheaders,
)
from test_framework.p2p import P2PInterface

# The regtest genesis block.
GENESIS = 0x0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206


class HeadersCounter(P2PInterface):
    def __init__(self):
        super().__init__()
        self.headers = []

    def on_headers(self, message):
        self.headers.append(message.headers)


def ask(conn, locator, stop):
    m = msg_getheaders()
    m.locator.vHave = locator
    m.hashstop = stop
    before = len(conn.headers)
    conn.send_and_ping(m, timeout=5)
    return conn.headers[before:]


def scenario(node):
    conn = node.connect(HeadersCounter())
    # Core's MaybeSendSendHeaders waits until the peer's best known block
    # has more work than the minimum chain work: a peer that announced
    # nothing gets none, whatever it asks (checked again at the end).
    check("sendheaders" not in conn.last_message, "no sendheaders before the peer announced a block")
    conn.send_and_ping(msg_sendheaders(), timeout=5)
    check(conn.is_connected, "sendheaders is accepted")

    got = ask(conn, [GENESIS], 0)
    check(len(got) == 1 and got[0] == [], f"locator at our tip: one empty headers message (got {got})")

    got = ask(conn, [], GENESIS)
    check(len(got) == 1 and len(got[0]) == 1 and got[0][0].hash_int == GENESIS,
          f"empty locator, hashStop genesis: the genesis header (got {got})")

    got = ask(conn, [], 0x1234)
    check(got == [], f"empty locator, unknown hashStop: no answer (got {got})")

    got = ask(conn, [0xdead, 0xbeef], 0)
    check(len(got) == 1 and got[0] == [], f"unknown locator forks at genesis: empty headers (got {got})")

    gb = msg_getblocks()
    gb.locator.vHave = [GENESIS]
    conn.send_and_ping(gb, timeout=5)
    check("inv" not in conn.last_message, "getblocks from our tip announces nothing")
    check("sendheaders" not in conn.last_message, "still no sendheaders: the peer has shown no block")

    m = msg_getheaders()
    m.locator.vHave = [GENESIS] * MAX_LOCATOR_SZ
    conn.send_and_ping(m, timeout=5)
    check(conn.is_connected, "a locator of 101 hashes is accepted")
    m.locator.vHave = [GENESIS] * (MAX_LOCATOR_SZ + 1)
    conn.send_without_ping(m)
    wait(lambda: not conn.is_connected, "a getheaders locator of 102 hashes disconnects")

    conn = node.connect(HeadersCounter())
    gb = msg_getblocks()
    gb.locator.vHave = [GENESIS] * (MAX_LOCATOR_SZ + 1)
    conn.send_without_ping(gb)
    wait(lambda: not conn.is_connected, "a getblocks locator of 102 hashes disconnects")

    # A block inv of one we have is a chain the peer has shown (Core's inv
    # handler calls UpdateBlockAvailability for every block inv): genesis
    # has more work than regtest's minimum (0), so sendheaders follows.
    conn = node.connect(HeadersCounter())
    conn.send_and_ping(msg_inv([CInv(MSG_BLOCK, GENESIS)]), timeout=5)
    wait(lambda: "sendheaders" in conn.last_message, "sendheaders once the peer announced a block we have")


if __name__ == "__main__":
    run(scenario)
