package loadgen

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"
)

// TestSimSmall runs the simulation at a small scale: every simulated peer
// completes its handshake with the node's real actors and pings flow.
func TestSimSmall(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := Sim(ctx, SimConfig{Peers: simPeers(), PerHost: 50, PingInterval: 200 * time.Millisecond, Measure: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if res.Handshaken != simPeers() {
		t.Fatalf("%d of %d handshaken", res.Handshaken, simPeers())
	}
	if res.MessagesPerSecond <= 0 {
		t.Fatalf("no messages: %+v", res)
	}
}

// simPeers is the size of TestSimSmall: LOADGEN_SIM_PEERS or 300.
func simPeers() int {
	if n, err := strconv.Atoi(os.Getenv("LOADGEN_SIM_PEERS")); err == nil && n > 0 {
		return n
	}
	return 300
}
