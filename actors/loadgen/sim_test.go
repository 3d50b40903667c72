package loadgen

import (
	"context"
	"testing"
	"time"
)

// TestSimSmall runs the simulation at a small scale: every simulated peer
// completes its handshake with the node's real actors and pings flow.
func TestSimSmall(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := Sim(ctx, SimConfig{Peers: 300, PerHost: 50, PingInterval: 200 * time.Millisecond, Measure: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if res.Handshaken != 300 {
		t.Fatalf("%d of 300 handshaken", res.Handshaken)
	}
	if res.MessagesPerSecond <= 0 {
		t.Fatalf("no messages: %+v", res)
	}
}
