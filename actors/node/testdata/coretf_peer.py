"""A peer built on Bitcoin Core's functional-test framework (P2PInterface),
driven by actors/node's interop tests. Modes:

  connect HOST PORT v1|v2   connect to the node, handshake, sync with a ping,
                            wait for the answer to getaddr
  listen PORT v1|v2         listen on 127.0.0.1:PORT for the node's outbound
                            connection (v1 with a v2-first dialer: the
                            framework hangs up on the key, then takes the
                            node's v1 reconnection), handshake, ping

It prints "OK <session id hex or ->" once done, then keeps the connection
open until its standard input closes, and exits non-zero on any failure.
"""
import os
import sys
import time
import traceback

from test_framework.crypto.hkdf import hkdf_sha256
from test_framework.messages import MAGIC_BYTES
from test_framework.p2p import NetworkThread, P2PInterface
from test_framework.v2_p2p import EncryptedP2PState

# Keep the session id the framework derives and drops.
_orig_init = EncryptedP2PState.initialize_v2_transport


def _init_and_keep(self, ecdh_secret):
    _orig_init(self, ecdh_secret)
    salt = b'bitcoin_v2_shared_secret' + MAGIC_BYTES[self.net]
    self.session_id = hkdf_sha256(salt=salt, ikm=ecdh_secret, info=b'session_id', length=32)


EncryptedP2PState.initialize_v2_transport = _init_and_keep

TIMEOUT = 30


def session_id(p):
    if p.v2_state is None:
        return "-"
    return getattr(p.v2_state, "session_id", b"").hex() or "-"


def main():
    mode = sys.argv[1]
    v2 = sys.argv[-1] == "v2"
    net = NetworkThread()
    net.start()
    # The thread makes its event loop as it starts: wait for it.
    deadline = time.time() + TIMEOUT
    while not (NetworkThread.network_event_loop and NetworkThread.network_event_loop.is_running()):
        if time.time() > deadline:
            raise SystemExit("network thread did not start")
        time.sleep(0.01)
    p = P2PInterface()
    try:
        if mode == "connect":
            host, port = sys.argv[2], int(sys.argv[3])
            p.peer_connect(dstaddr=host, dstport=port, net="regtest", timeout_factor=1,
                           supports_v2_p2p=v2, send_version=True)()
            p.wait_for_connect(timeout=TIMEOUT)
            p.wait_for_verack(timeout=TIMEOUT)
            p.sync_with_ping(timeout=TIMEOUT)
            # on_version sent getaddr: wait for the answer.
            p.wait_until(lambda: "addr" in p.last_message or "addrv2" in p.last_message, timeout=TIMEOUT)
        elif mode == "listen":
            port = int(sys.argv[2])
            ready = []
            # The framework's own listen picks a port from its test runner's
            # range: listen on the port the test chose instead.
            p.peer_accept_connection(connect_id=1, net="regtest", timeout_factor=1,
                                     supports_v2_p2p=v2, reconnect=not v2)
            NetworkThread.listen(p, lambda *_: ready.append(1), port=port)
            p.wait_until(lambda: ready, timeout=TIMEOUT, check_connected=False)
            print("LISTENING", flush=True)
            if v2:
                p.wait_for_connect(timeout=TIMEOUT)
            else:
                p.wait_for_reconnect(timeout=TIMEOUT)
            p.wait_for_verack(timeout=TIMEOUT)
            p.sync_with_ping(timeout=TIMEOUT)
        else:
            raise SystemExit("unknown mode " + mode)
        print("OK", session_id(p), flush=True)
        sys.stdin.read()
    finally:
        p.peer_disconnect()
        net.close(timeout=10)


if __name__ == "__main__":
    # Exit without waiting for the framework's threads, whatever happened.
    code = 0
    try:
        main()
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
