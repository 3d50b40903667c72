package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/actortest"
)

// getJSON fetches url into v; false when it cannot (the node not up yet).
func getJSON(url string, v any) bool {
	client := http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(v) == nil
}

// demoPeer is what the demo test reads of /debug/peers.
type demoPeer struct {
	Addr       string  `json:"addr"`
	AddrBind   string  `json:"addrbind"`
	Inbound    bool    `json:"inbound"`
	Handshaken bool    `json:"handshaken"`
	PingTime   float64 `json:"pingtime"`
}

// TestDemo runs `actornode demo` as make demo does and waits until the
// three nodes have found each other: every pair of them is connected (one
// knew only the one before it, so at least one connection came from addr
// gossip), handshaken, and each end has had a ping answered. The demo's
// nodes ask no router for a port mapping. SIGINT stops the demo cleanly.
func TestDemo(t *testing.T) {
	for _, d := range demoNodes {
		for _, addr := range []string{d.listen, d.debug} {
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				t.Skipf("the demo's address %s is taken (another demo running?): %v", addr, err)
			}
			ln.Close()
		}
	}
	cmd := exec.Command(binary, "demo")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	defer func() {
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("demo output:\n%s", out.String())
		}
	}()

	byListen := map[string]int{}
	for i, d := range demoNodes {
		byListen[d.listen] = i
	}
	var missing string
	defer func() {
		if t.Failed() {
			t.Logf("last seen: %s", missing)
		}
	}()
	actortest.Eventually(t, 120*time.Second, "the three demo nodes pairwise connected with pings answered", func() bool {
		select {
		case <-done:
			t.Fatalf("the demo exited: %v", cmd.ProcessState)
		default:
		}
		peers := make([][]demoPeer, len(demoNodes))
		for i, d := range demoNodes {
			if !getJSON("http://"+d.debug+"/debug/peers", &peers[i]) {
				missing = d.name + ": no peer list yet"
				return false
			}
		}
		// An outbound connection names the node it reached; the other
		// end sees it inbound from the dialer's end of the connection
		// (addrbind). (addrlocal, what the remote says it sees, is empty
		// on loopback: a node names only a routable address, as Core.)
		connected := map[[2]int]bool{}
		for i := range demoNodes {
			for _, p := range peers[i] {
				j, ok := byListen[p.Addr]
				if p.Inbound || !ok || !p.Handshaken || p.PingTime <= 0 {
					continue
				}
				for _, q := range peers[j] {
					if q.Inbound && q.Addr == p.AddrBind && q.Handshaken && q.PingTime > 0 {
						connected[[2]int{min(i, j), max(i, j)}] = true
					}
				}
			}
		}
		for i := range demoNodes {
			for j := i + 1; j < len(demoNodes); j++ {
				if !connected[[2]int{i, j}] {
					missing = fmt.Sprintf("%s and %s: no handshaken connection with pings answered at both ends; peers %+v / %+v",
						demoNodes[i].name, demoNodes[j].name, peers[i], peers[j])
					return false
				}
			}
		}
		return true
	})

	for _, d := range demoNodes {
		var status struct {
			Protocols []string `json:"protocols"`
			State     string   `json:"state"`
			Failures  int      `json:"failures"`
		}
		if !getJSON("http://"+d.debug+"/debug/nat", &status) {
			t.Fatalf("%s: no /debug/nat", d.name)
		}
		if len(status.Protocols) != 0 || status.Failures != 0 || (status.State != "off" && status.State != "idle") {
			t.Errorf("%s: /debug/nat %+v: the demo asked a router for a mapping", d.name, status)
		}
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the demo did not exit within 30s of SIGINT")
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("demo exit code %d after SIGINT, want 0", code)
	}
}
