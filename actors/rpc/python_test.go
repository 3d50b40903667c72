package rpc_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// pythonScript drives the node through python-bitcoinlib's RawProxy, a
// client written for Bitcoin Core, and prints what it checked.
const pythonScript = `
import os, sys
import bitcoin
import bitcoin.rpc
bitcoin.SelectParams("regtest")
p = bitcoin.rpc.RawProxy(service_url=os.environ["RPC_URL"])
assert p.getconnectioncount() == 1, "connection count"
peers = p.getpeerinfo()
assert len(peers) == 1 and peers[0]["inbound"] and peers[0]["connection_type"] == "inbound", peers
info = p.getnetworkinfo()
assert info["protocolversion"] == 70016 and info["connections"] == 1, info
assert p.uptime() >= 0
assert "getpeerinfo" in p.help()
p.addnode("127.0.0.1:2", "add")
try:
    p.addnode("127.0.0.1:2", "add")
    sys.exit("second addnode add did not fail")
except bitcoin.rpc.JSONRPCError as e:
    assert e.error["code"] == -23, e.error
assert p.getblockcount() == 0
try:
    p.getmempoolinfo()
    sys.exit("unknown method did not fail")
except bitcoin.rpc.JSONRPCError as e:
    assert e.error["code"] == -32601, e.error
p.setban("198.51.100.0/24", "add")
assert [b["address"] for b in p.listbanned()] == ["198.51.100.0/24"]
p.clearbanned()
assert p.listbanned() == []
print("python-bitcoinlib ok")
`

// pythonWithBitcoinlib returns the interpreter Debian's python3-bitcoinlib
// is installed for, or skips (fails under CI) when it is missing.
func pythonWithBitcoinlib(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(py)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import bitcoin.rpc").Run() == nil {
			return path
		}
	}
	const reason = "python3-bitcoinlib is not installed (apt-get install -y python3-bitcoinlib)"
	if os.Getenv("CI") != "" {
		t.Fatal(reason)
	}
	t.Skip(reason)
	return ""
}

func TestPythonBitcoinlibRawProxy(t *testing.T) {
	py := pythonWithBitcoinlib(t)
	a, _ := pair(t)
	c := newCaller(t, a, dataDir(a))
	u, err := url.Parse(a.RPCURL())
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(c.user, c.pass)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-c", pythonScript)
	cmd.Env = append(os.Environ(), "RPC_URL="+u.String())
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "python-bitcoinlib ok") {
		t.Fatalf("python-bitcoinlib: %v\n%s", err, out)
	}
}
