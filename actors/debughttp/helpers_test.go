package debughttp_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/node/nodetest"
)

// testConfig is a loopback regtest node with its debug endpoint on a free
// port and no automatic outbound connections.
func testConfig(t *testing.T) node.Config {
	t.Helper()
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.MaxOutbound = 0
	cfg.DebugAddr = "127.0.0.1:0"
	return cfg
}

// connectTo starts a node that keeps a connected (-addnode) and waits
// until a has n handshaken peers.
func connectTo(t *testing.T, a *node.Node, want int) *node.Node {
	t.Helper()
	cfg := testConfig(t)
	cfg.DebugAddr = "off"
	cfg.AddNode = []string{a.ListenAddrs()[0].String()}
	b := nodetest.Start(t, cfg)
	nodetest.Eventually(t, 10*time.Second, "handshaken peers", func() bool { return nodetest.HandshakenCount(t, a) == want })
	return b
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

// send makes a request with a body of content type ctype and the given
// headers, and returns the status and body of the answer.
func send(t *testing.T, method, url, ctype, body string, headers map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	client := &http.Client{Timeout: 20 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(data)
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
