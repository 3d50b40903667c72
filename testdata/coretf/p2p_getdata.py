"""getdata as Core's p2p_getdata.py checks it, against a node holding only
the regtest genesis block.

Core (net_processing.cpp ProcessGetData): an entry of an invalid type (0)
does not stop later messages from being processed; the block we have is
sent (MSG_BLOCK and MSG_WITNESS_BLOCK); a transaction we do not have is
answered with notfound; a block we do not have gets no answer."""

from scenario import check, run, wait
from test_framework.messages import CInv, MSG_BLOCK, MSG_TX, MSG_WITNESS_FLAG, msg_getdata
from test_framework.p2p import P2PInterface

GENESIS = 0x0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206


class Store(P2PInterface):
    def __init__(self):
        super().__init__()
        self.blocks = []
        self.notfound = []

    def on_block(self, message):
        self.blocks.append(message.block.hash_int)

    def on_notfound(self, message):
        self.notfound.append([(i.type, i.hash) for i in message.vec])


def getdata(*invs):
    m = msg_getdata()
    m.inv = [CInv(t, h) for t, h in invs]
    return m


def scenario(node):
    conn = node.connect(Store())
    conn.send_and_ping(getdata((0, 0)), timeout=5)
    check(conn.is_connected, "a getdata of an invalid type does not stop later messages")

    conn.send_and_ping(getdata((MSG_BLOCK, GENESIS)), timeout=5)
    wait(lambda: conn.blocks == [GENESIS], "the genesis block is served for MSG_BLOCK")
    conn.send_and_ping(getdata((MSG_BLOCK | MSG_WITNESS_FLAG, GENESIS)), timeout=5)
    wait(lambda: conn.blocks == [GENESIS, GENESIS], "and for MSG_WITNESS_BLOCK")

    conn.send_and_ping(getdata((MSG_TX, 0x1234)), timeout=5)
    check(conn.notfound == [[(MSG_TX, 0x1234)]], f"an unknown transaction is answered notfound ({conn.notfound})")

    conn.send_and_ping(getdata((MSG_BLOCK, 0x5678)), timeout=5)
    check(len(conn.blocks) == 2 and len(conn.notfound) == 1, "an unknown block gets no answer")


if __name__ == "__main__":
    run(scenario)
