"""addrv2 as Core's p2p_invalid_messages.py (test_addrv2_unrecognized_network)
and p2p_addrv2_relay.py send it.

Core (protocol.h CAddress unserialize, net_processing.cpp ProcessAddrs): an
addrv2 entry of a network Core does not know is read past and dropped while
the message is deserialized, so it never reaches the rate limiter; the
entries after it are taken. A peer starts with one address token. Core's
test lifts the limit with -whitelist=addr; here the one token must go to
the known entry, whatever the order. The node's getaddr answer on regtest
holds its whole (small) book, so the address shows up there."""

import time

from scenario import check, run, wait
from test_framework.messages import msg_generic
from test_framework.p2p import P2PInterface


class AddrReceiver(P2PInterface):
    def __init__(self):
        super().__init__()
        self.answers = []

    def on_addr(self, message):
        self.answers.append([f"{a.ip}:{a.port}" for a in message.addrs])


def scenario(node):
    now = int(time.time()).to_bytes(4, "little").hex()
    for round_ in range(4):
        sender = node.connect(P2PInterface())
        # One /16 per round: addresses of one group from one source share a
        # new-table bucket, where two may take the same slot and the second
        # be dropped, as in Core's addrman.
        known = f"{20 + round_}.9.9.9"
        payload = bytes.fromhex(
            "02" +
            now + "01" + "99" + "02" + "abab" + "208d" +        # unknown network 0x99
            now + "01" + "01" + "04" + f"{20 + round_:02x}" + "090909" + "208d")  # N.9.9.9:8333
        sender.send_and_ping(msg_generic(b"addrv2", payload), timeout=5)
        check(sender.is_connected, "an addrv2 with an entry of an unknown network is accepted")
        sender.peer_disconnect()
        wait(lambda: not sender.is_connected, "sender closed")
        receiver = node.connect(AddrReceiver())
        wait(lambda: len(receiver.answers) >= 1, "a getaddr answer", timeout=10)
        check(f"{known}:8333" in receiver.answers[0],
              f"round {round_ + 1}: the known entry after it was taken (book as answered: {receiver.answers[0]})")
        receiver.peer_disconnect()
        wait(lambda: not receiver.is_connected, "receiver closed")


if __name__ == "__main__":
    run(scenario)
