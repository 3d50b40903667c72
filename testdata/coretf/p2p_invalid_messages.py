"""Malformed and abusive frames as Core's p2p_invalid_messages.py and
p2p_addr_relay.py send them.

Core (net.cpp V1Transport, net_processing.cpp):
- a header split over two TCP segments is reassembled;
- a second version is ignored ("redundant version message");
- wrong magic bytes disconnect; a payload over 4,000,000 bytes disconnects;
- a wrong checksum and an invalid (non-printable) message type drop the
  message and keep the connection; an unknown message type is ignored;
- a message whose payload does not deserialize (a ping, an addrv2 without
  its count, an address longer than 512 bytes) is dropped and logged, the
  connection kept;
- an addrv2 naming an unknown network is read past, the rest kept;
- lists over their limits are misbehaviour and disconnect: addr over 1000,
  inv and getdata over 50,000, headers over 2000."""

from scenario import check, hold, run, wait
from test_framework.messages import (
    CBlockHeader,
    CInv,
    CAddress,
    MAX_HEADERS_RESULTS,
    MAX_INV_SIZE,
    MAX_PROTOCOL_MESSAGE_LENGTH,
    MSG_TX,
    msg_addr,
    msg_generic,
    msg_getdata,
    msg_headers,
    msg_inv,
    msg_ping,
    msg_version,
    ser_string,
)
from test_framework.p2p import P2PInterface


class msg_unrecognized:
    """A message type nobody knows, as Core's test builds it."""
    msgtype = b"badmsg\x01"

    def __init__(self, data):
        self.data = data

    def serialize(self):
        return ser_string(self.data)


class PongLog(P2PInterface):
    """Keeps the nonce of every pong."""
    def __init__(self):
        super().__init__()
        self.pongs = []

    def on_pong(self, message):
        self.pongs.append(message.nonce)


def all_pongs_differ(conn, nonce):
    return nonce not in conn.pongs


def fresh(node):
    return node.connect(P2PInterface())


def stays(conn, what):
    conn.sync_with_ping(timeout=5)
    check(conn.is_connected, what)


def scenario(node):
    conn = node.connect(PongLog())
    msg = conn.build_message(msg_ping(nonce=12345))
    conn.send_raw_message(msg[:12])
    hold(lambda: conn.is_connected, "half a header waits for the rest", 0.3)
    conn.send_raw_message(msg[12:])
    wait(lambda: conn.last_message.get("pong") and conn.last_message["pong"].nonce == 12345,
         "a header split across two segments is reassembled and answered")

    msg = conn.build_message(msg_ping(nonce=23456))
    conn.send_raw_message(msg[:28])
    hold(lambda: conn.is_connected, "half a payload waits for the rest", 0.3)
    conn.send_raw_message(msg[28:])
    wait(lambda: conn.last_message.get("pong") and conn.last_message["pong"].nonce == 23456,
         "a payload split across two segments is reassembled and answered")

    bad = conn.build_message(msg_ping(nonce=34567))
    conn.send_raw_message(bad[:20] + b"\x00" * 4 + bad[24:])
    conn.sync_with_ping(timeout=5)
    check(conn.message_count["pong"] and all_pongs_differ(conn, 34567),
          "a ping with a bad checksum is not answered, the connection kept")

    bad = conn.build_message(msg_ping(nonce=45678))
    conn.send_raw_message(bad[:8] + b"x" + bad[9:])  # "ping\0x\0...": a byte after the NUL
    conn.sync_with_ping(timeout=5)
    check(all_pongs_differ(conn, 45678), "a command with a byte after its NUL padding is not a ping, the connection kept")

    conn.send_raw_message(conn.build_message(msg_generic(b"badmsg", b"")))
    stays(conn, "an unknown message with an empty payload is ignored")

    conn.send_and_ping(msg_version(), timeout=5)
    check(conn.is_connected, "a second version is ignored")

    raw = conn.build_message(msg_unrecognized(b"d"))
    conn.send_raw_message(raw[:20] + b"\xff" * 4 + raw[24:])
    stays(conn, "a frame with a bad checksum is dropped, the connection kept")

    raw = conn.build_message(msg_unrecognized(b"d"))
    conn.send_raw_message(raw[:7] + b"\x00" + raw[8:])
    stays(conn, "a frame with an invalid message type is dropped, the connection kept")

    conn.send_raw_message(conn.build_message(msg_unrecognized(b"hello")))
    stays(conn, "an unknown message type is ignored")

    conn.send_raw_message(conn.build_message(msg_generic(b"verack", b"")))
    stays(conn, "a redundant verack is ignored")

    conn.send_raw_message(conn.build_message(msg_generic(b"ping", b"")))
    stays(conn, "a ping without its nonce is dropped, the connection kept")

    conn.send_raw_message(conn.build_message(msg_generic(b"addrv2", b"")))
    stays(conn, "an empty addrv2 is dropped, the connection kept")
    conn.send_raw_message(conn.build_message(msg_generic(b"addrv2", bytes.fromhex("00"))))
    stays(conn, "an addrv2 of no addresses is fine")
    too_long = bytes.fromhex("01" + "61bc6649" + "00" + "01" + "fd0102" + "ab" * 513 + "208d")
    conn.send_raw_message(conn.build_message(msg_generic(b"addrv2", too_long)))
    stays(conn, "an addrv2 address over 512 bytes is dropped, the connection kept")

    conn.send_raw_message(conn.build_message(msg_generic(b"headers", b"")))
    stays(conn, "an empty headers payload is dropped, the connection kept")
    conn.send_raw_message(conn.build_message(msg_generic(b"inv", bytes.fromhex("fd"))))
    stays(conn, "an inv truncated inside its count is dropped, the connection kept")

    # Frames that cost the connection.
    raw = conn.build_message(msg_unrecognized(b"d"))
    conn.send_raw_message(b"\xff" * 4 + raw[4:])
    wait(lambda: not conn.is_connected, "wrong magic bytes disconnect")

    conn = fresh(node)
    conn.send_raw_message(conn.build_message(msg_generic(b"badmsg", b"d" * MAX_PROTOCOL_MESSAGE_LENGTH)))
    stays(conn, "a payload of exactly 4,000,000 bytes is accepted")
    conn.send_raw_message(conn.build_message(msg_generic(b"badmsg", b"d" * (MAX_PROTOCOL_MESSAGE_LENGTH + 1))))
    wait(lambda: not conn.is_connected, "a payload of 4,000,001 bytes disconnects")

    conn = fresh(node)
    header_only = conn.build_message(msg_generic(b"ping", b"\x00" * 8))[:24]
    oversized_header = header_only[:16] + (MAX_PROTOCOL_MESSAGE_LENGTH + 1).to_bytes(4, "little") + header_only[20:]
    conn.send_raw_message(oversized_header)
    wait(lambda: not conn.is_connected, "a header announcing 4,000,001 bytes disconnects before the payload")

    for name, msg in (
        ("addr of 1001 addresses", msg_addr()),
        ("inv of 50,001 entries", msg_inv([CInv(MSG_TX, 1)] * (MAX_INV_SIZE + 1))),
        ("getdata of 50,001 entries", msg_getdata([CInv(MSG_TX, 1)] * (MAX_INV_SIZE + 1))),
        ("headers of 2001 entries", msg_headers([CBlockHeader()] * (MAX_HEADERS_RESULTS + 1))),
    ):
        if name.startswith("addr"):
            a = CAddress()
            a.time = 1700000000
            a.nServices = 1
            a.ip = "8.8.8.8"
            a.port = 8333
            msg.addrs = [a] * 1001
        conn = fresh(node)
        conn.send_without_ping(msg)
        wait(lambda: not conn.is_connected, f"an {name} disconnects")

    conn = fresh(node)
    a = CAddress()
    a.time = 1700000000
    a.nServices = 1
    a.ip = "8.8.8.8"
    a.port = 8333
    m = msg_addr()
    m.addrs = [a] * 1000
    conn.send_and_ping(m, timeout=5)
    check(conn.is_connected, "an addr of exactly 1000 addresses is accepted")


if __name__ == "__main__":
    run(scenario)
