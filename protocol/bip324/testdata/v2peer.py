#!/usr/bin/env python3
"""One end of a BIP324 connection over stdin (bytes in) and stdout (bytes out),
driven by Bitcoin Core's functional-test framework (EncryptedP2PState), for
interop_test.go. The framework is imported from PYTHONPATH, never copied.

usage: v2peer.py initiator|responder

After the handshake it sends a "sessionid" message carrying its session id,
then answers every message: ping with pong, "quit" with "bye" and an exit,
anything else with the same message echoed. Every tenth answer is preceded
by a decoy packet. Errors go to stderr with exit status 1.
"""

import os
import sys

from test_framework.v2_p2p import EncryptedP2PState, MSGTYPE_TO_SHORTID, SHORTID


def die(msg):
    sys.stderr.write("v2peer: " + msg + "\n")
    sys.exit(1)


def send(data):
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def read_some():
    data = os.read(0, 65536)
    if not data:
        die("end of input")
    return data


class ExactReader:
    """The file-like reader the framework's handshake steps expect."""

    def read(self, n):
        out = b""
        while len(out) < n:
            chunk = os.read(0, n - len(out))
            if not chunk:
                die("end of input during the key exchange")
            out += chunk
        return out


def contents_of(cmd, payload):
    if cmd in MSGTYPE_TO_SHORTID:
        return bytes([MSGTYPE_TO_SHORTID[cmd]]) + payload
    return b"\x00" + cmd.ljust(12, b"\x00") + payload


def parse(contents):
    if contents[0] != 0:
        return SHORTID[contents[0]], contents[1:]
    return contents[1:13].rstrip(b"\x00"), contents[13:]


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ("initiator", "responder"):
        die("usage: v2peer.py initiator|responder")
    initiating = sys.argv[1] == "initiator"
    state = EncryptedP2PState(initiating=initiating, net="regtest")
    reader = ExactReader()

    if initiating:
        send(state.initiate_v2_handshake())
    else:
        _, out = state.respond_v2_handshake(reader)
        if out == -1:
            die("peer sent the v1 prefix")
        send(out)
    _, out = state.complete_handshake(reader)
    send(out)

    buf = b""
    while not state.tried_v2_handshake:
        buf += read_some()
        used, ok = state.authenticate_handshake(buf)
        if not ok:
            die("handshake authentication failed")
        buf = buf[used:]

    send(state.v2_enc_packet(contents_of(b"sessionid", state.peer["session_id"])))
    answered = 0
    while True:
        used, contents = state.v2_receive_packet(buf)
        if used == -1:
            die("packet authentication failed")
        if used == 0:
            buf += read_some()
            continue
        buf = buf[used:]
        if contents is None:
            continue  # decoy
        cmd, payload = parse(contents)
        answered += 1
        out = b""
        if answered % 10 == 0:
            out += state.v2_enc_packet(b"\x00" * (answered % 37), ignore=True)
        if cmd == b"ping":
            out += state.v2_enc_packet(contents_of(b"pong", payload))
        elif cmd == b"quit":
            send(out + state.v2_enc_packet(contents_of(b"bye", b"")))
            return
        else:
            out += state.v2_enc_packet(contents_of(cmd, payload))
        send(out)


if __name__ == "__main__":
    main()
