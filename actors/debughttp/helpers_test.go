package debughttp_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/actornode/actornode/actors/debughttp"
	"github.com/actornode/actornode/actors/node"
)

// testConfig is a loopback regtest node with its debug endpoint on a free
// port and no automatic outbound connections.
func testConfig(t *testing.T) node.Config {
	t.Helper()
	cfg := node.DefaultConfig()
	cfg.Network = "regtest"
	cfg.DataDir = t.TempDir()
	cfg.Bind = []string{"127.0.0.1:0"}
	cfg.DNSSeed = false
	cfg.FixedSeeds = false
	cfg.Discover = false
	cfg.MaxOutbound = 0
	cfg.DebugAddr = "127.0.0.1:0"
	cfg.PingInterval = time.Second
	return cfg
}

func startNode(t *testing.T, cfg node.Config, opts ...node.Option) *node.Node {
	t.Helper()
	opts = append([]node.Option{node.WithLogger(zaptest.NewLogger(t))}, opts...)
	n, err := node.New(cfg, opts...)
	if err != nil {
		t.Fatalf("new node: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Start(ctx); err != nil {
		t.Fatalf("start node: %v", err)
	}
	t.Cleanup(func() {
		if err := n.Stop(context.Background()); err != nil {
			t.Errorf("stop node: %v", err)
		}
	})
	return n
}

// connectTo starts a node that keeps a connected (-addnode) and waits
// until a has n handshaken peers.
func connectTo(t *testing.T, a *node.Node, want int) *node.Node {
	t.Helper()
	cfg := testConfig(t)
	cfg.DebugAddr = "off"
	cfg.AddNode = []string{a.ListenAddrs()[0].String()}
	b := startNode(t, cfg)
	eventually(t, 10*time.Second, "handshaken peers", func() bool { return handshaken(t, a) == want })
	return b
}

func handshaken(t *testing.T, n *node.Node) int {
	t.Helper()
	infos, err := debughttp.Peers(n.System().Root, n.ConnMgr(), 2*time.Second)
	if err != nil {
		t.Fatalf("peers: %v", err)
	}
	count := 0
	for _, p := range infos {
		if p.Handshaken {
			count++
		}
	}
	return count
}

func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// get fetches base+path and returns the status, content type and body.
func get(t *testing.T, method, url string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), body
}

// getJSON fetches url and decodes it into v, failing on a non-200 answer.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	status, _, body := get(t, http.MethodGet, url)
	if status != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d: %s", url, status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v: %s", url, err, body)
	}
}
