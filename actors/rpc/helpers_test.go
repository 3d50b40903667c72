package rpc_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/node/nodetest"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/actors/rpc"
)

// testConfig is a loopback regtest node with the RPC server on a free port
// and no automatic outbound connections: the tests' nodes connect only as
// they are told, so connection counts are exact.
func testConfig(t *testing.T) node.Config {
	t.Helper()
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.MaxOutbound = 0
	cfg.Server = true
	cfg.RPCBind = []string{"127.0.0.1:0"}
	return cfg
}

// pair starts node a (RPC on) and node b connected to it, and waits for
// both ends of the connection to finish the handshake.
func pair(t *testing.T) (a, b *node.Node) {
	t.Helper()
	a = nodetest.Start(t, testConfig(t))
	cfg := testConfig(t)
	cfg.Server = false
	cfg.AddNode = []string{a.ListenAddrs()[0].String()}
	b = nodetest.Start(t, cfg)
	nodetest.Eventually(t, 10*time.Second, "a handshaken peer on both nodes", func() bool {
		return nodetest.HandshakenCount(t, a) == 1 && nodetest.HandshakenCount(t, b) == 1
	})
	return a, b
}

// caller posts raw JSON-RPC bodies to a node with its cookie.
type caller struct {
	t          *testing.T
	url        string
	user, pass string
}

func newCaller(t *testing.T, n *node.Node, dataDir string) *caller {
	t.Helper()
	user, pass, err := rpc.ReadCookie(dataDir)
	if err != nil {
		t.Fatalf("cookie: %v", err)
	}
	return &caller{t: t, url: n.RPCURL(), user: user, pass: pass}
}

// post sends body and returns the HTTP status and the decoded reply.
func (c *caller) post(body string) (int, map[string]json.RawMessage) {
	c.t.Helper()
	status, data := c.postRaw(body)
	var out map[string]json.RawMessage
	if err := json.Unmarshal(data, &out); err != nil {
		c.t.Fatalf("reply to %s: %v: %s", body, err, data)
	}
	return status, out
}

func (c *caller) postRaw(body string) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.url, bytes.NewBufferString(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.SetBasicAuth(c.user, c.pass)
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		c.t.Fatalf("post %s: %v", body, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, data
}

// call calls method with params (a JSON array) and decodes the result into
// out (may be nil); it fails the test on an RPC error.
func (c *caller) call(method, params string, out any) {
	c.t.Helper()
	status, rep := c.post(`{"jsonrpc":"1.0","id":"t","method":"` + method + `","params":` + params + `}`)
	if status != http.StatusOK || string(rep["error"]) != "null" {
		c.t.Fatalf("%s %s: HTTP %d, error %s", method, params, status, rep["error"])
	}
	if out != nil {
		if err := json.Unmarshal(rep["result"], out); err != nil {
			c.t.Fatalf("%s result: %v: %s", method, err, rep["result"])
		}
	}
}

// callErr calls method and returns the RPC error's code and message, and
// the HTTP status; it fails the test when the call succeeds.
func (c *caller) callErr(method, params string) (code int, message string, status int) {
	c.t.Helper()
	status, rep := c.post(`{"jsonrpc":"1.0","id":1,"method":"` + method + `","params":` + params + `}`)
	var e rpc.Error
	if err := json.Unmarshal(rep["error"], &e); err != nil || e.Code == 0 {
		c.t.Fatalf("%s %s: want an error, got HTTP %d %s / %s", method, params, status, rep["error"], rep["result"])
	}
	return e.Code, e.Message, status
}

// peerInfos is getpeerinfo decoded.
func (c *caller) peerInfos() []peer.Info {
	c.t.Helper()
	var infos []peer.Info
	c.call("getpeerinfo", "[]", &infos)
	return infos
}

// dataDir is the directory of n's files (its network's under -datadir),
// where its cookie is.
func dataDir(n *node.Node) string {
	cfg := n.Config()
	return cfg.DataDirOrDefault()
}
