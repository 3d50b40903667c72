"""Shared plumbing of our scenarios: a running actornode regtest node on
127.0.0.1, driven by the P2PInterface and NetworkThread of Bitcoin Core's
functional-test framework (on PYTHONPATH, never copied here).

Each scenario is run as: python3 SCRIPT HOST PORT [PORT...] (further free
ports some scenarios use, as Node.extra). It prints one line per
check and exits 0 when every check held, 1 (with the reason) otherwise.
Every wait has a deadline; nothing here sends beyond loopback."""

import sys
import threading
import time

from test_framework.p2p import NetworkThread, P2PInterface, p2p_lock


class ScenarioFailure(Exception):
    """A check that did not hold."""


def check(cond, what):
    if not cond:
        raise ScenarioFailure(what)
    print("ok:", what, flush=True)


def known_difference(cond, what):
    """A check of Core's behaviour where the node is known to differ (each
    one is written up where it is used): printed, not failed, so the suite
    stays green while the difference stands and says when it is gone."""
    print(("ok (no longer differs): " if cond else "DIFFERS FROM CORE: ") + what, flush=True)


def wait(pred, what, timeout=5.0, quiet=False):
    """Wait until pred() holds (under the framework's lock), at most timeout
    seconds; quiet does not print the check."""
    deadline = time.monotonic() + timeout
    while True:
        with p2p_lock:
            if pred():
                if not quiet:
                    print("ok:", what, flush=True)
                return
        if time.monotonic() > deadline:
            raise ScenarioFailure(f"timed out after {timeout}s waiting for: {what}")
        time.sleep(0.02)


def hold(pred, what, duration):
    """Check that pred() keeps holding for duration seconds."""
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        with p2p_lock:
            if not pred():
                raise ScenarioFailure(f"stopped holding before {duration}s: {what}")
        time.sleep(0.05)
    print("ok:", what, flush=True)


class Node:
    """The node under test, as seen from the framework."""

    def __init__(self, host, port, extra):
        self.host = host
        self.port = port
        self.extra = extra
        self.conns = []

    def connect(self, conn, *, send_version=True, wait_for_verack=True, port=None, **kwargs):
        """Open an inbound connection to the node, as TestNode.add_p2p_connection does."""
        conn.peer_connect(dstaddr=self.host, dstport=port or self.port, net="regtest", timeout_factor=1,
                          supports_v2_p2p=False, send_version=send_version, **kwargs)()
        self.conns.append(conn)
        wait(lambda: conn.is_connected, "connected to the node")
        if send_version:
            wait(lambda: not conn.on_connection_send_msg, "our version sent")
        if wait_for_verack:
            wait(lambda: "verack" in conn.last_message, "the node's verack")
            conn.sync_with_ping(timeout=5)
        return conn

    def disconnect_all(self):
        for c in self.conns:
            c.peer_disconnect()
        for c in self.conns:
            wait(lambda: not c.is_connected, "our connection closed")
        self.conns = []


def connected(conn):
    return conn.is_connected


def run(scenario, timeout=40):
    """Run scenario(node) with a network thread; exit 1 on any failure."""
    if len(sys.argv) < 3:
        print(f"usage: {sys.argv[0]} HOST PORT [PORT...]", file=sys.stderr)
        sys.exit(2)
    node = Node(sys.argv[1], int(sys.argv[2]), [int(p) for p in sys.argv[3:]])
    # A stuck scenario must not outlive its budget.
    watchdog = threading.Timer(timeout, lambda: (print("scenario timed out", flush=True), _exit(1)))
    watchdog.daemon = True
    watchdog.start()
    thread = NetworkThread()
    thread.start()
    wait(lambda: NetworkThread.network_event_loop is not None and NetworkThread.network_event_loop.is_running(),
         "the framework's network thread running")
    code = 0
    try:
        scenario(node)
        print("PASS", flush=True)
    except ScenarioFailure as e:
        print("FAIL:", e, flush=True)
        code = 1
    except Exception as e:  # an assertion of the framework, a crash of ours
        print("FAIL:", type(e).__name__, e, flush=True)
        code = 1
    finally:
        watchdog.cancel()
        for c in node.conns:
            c.peer_disconnect()
        thread.close(timeout=5)
    sys.exit(code)


def _exit(code):
    import os
    os._exit(code)
