package node_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap/zaptest"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/addrbook"
	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/node/nodetest"
	"github.com/actornode/actornode/protocol"
)

// TestTenNodesLearnEachOther: ten nodes on 127.0.0.1 to 127.0.0.10, nine
// of them knowing only the first one's address (as a DNS seed would give
// it), find each other through the automatic outbound slots, getaddr,
// self-announcements and addr relay: every book ends up holding every
// other node's listening address. Each claims the services automatic
// outbound connections require, and judges initial block download from a
// recent tip, so that it announces itself as a synced node does.
func TestTenNodesLearnEachOther(t *testing.T) {
	const count = 10
	nodes := make([]*node.Node, count)
	addrs := make([]netip.AddrPort, count)
	start := func(bind string) *node.Node {
		cfg := nodetest.Regtest(t, bind)
		nodetest.ClaimFullServices(&cfg)
		return nodetest.Start(t, cfg, node.WithRecentTip())
	}
	nodes[0] = start("127.0.0.1:0")
	addrs[0] = nodetest.ListenAddr(t, nodes[0])
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := 1; i < count; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := start(fmt.Sprintf("127.0.0.%d:0", i+1))
			mu.Lock()
			nodes[i], addrs[i] = n, nodetest.ListenAddr(t, n)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for i := 1; i < count; i++ {
		addToBook(t, nodes[i], addrs[0].String())
	}

	missing := func() []string {
		var out []string
		for i, n := range nodes {
			known := map[netip.AddrPort]bool{}
			for _, e := range nodetest.Book(t, n) {
				known[e.Addr] = true
			}
			var lacks []string
			for j, a := range addrs {
				if j != i && !known[a] {
					lacks = append(lacks, a.String())
				}
			}
			if len(lacks) > 0 {
				out = append(out, fmt.Sprintf("%s lacks %s", addrs[i], strings.Join(lacks, ",")))
			}
		}
		return out
	}
	deadline := time.Now().Add(25 * time.Second)
	for {
		m := missing()
		if len(m) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 25s the books are incomplete:\n%s", strings.Join(m, "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestAddrFloodFromPeerIsRateLimited: an inbound peer that sends 10,000
// addresses in ten messages gets only its token bucket's allowance (one
// address, plus 0.1 a second) into the book; the rest are dropped and
// counted.
func TestAddrFloodFromPeerIsRateLimited(t *testing.T) {
	n := nodetest.Start(t, nodetest.Regtest(t, "127.0.0.1:0"))
	r := actortest.DialTCP(t, nodetest.ListenAddr(t, n).String(), n.Params().Magic)
	start := time.Now()
	r.Handshake(t, nil)
	stamp := uint32(time.Now().Unix())
	for m := range 10 {
		msg := &protocol.MsgAddr{AddrList: make([]protocol.NetAddress, 0, 1000)}
		for i := m * 1000; i < (m+1)*1000; i++ {
			msg.AddrList = append(msg.AddrList, protocol.NetAddress{
				Timestamp: stamp, Services: protocol.SFNodeNetwork,
				Addr: netip.AddrFrom4([4]byte{byte(11 + i%80), byte(i / 80), 7, 1}), Port: 8333,
			})
		}
		r.Send(msg)
	}
	var st *addrbook.Addrs
	nodetest.Eventually(t, 10*time.Second, "the book to take in all 10,000 addresses", func() bool {
		st = stats(t, n)
		return st.Processed+st.RateLimited == 10_000
	})
	allowance := 1 + time.Since(start).Seconds()*0.1
	if float64(st.Processed) > allowance || float64(len(st.List)) > allowance {
		t.Fatalf("processed %d, book holds %d; the allowance is %.1f", st.Processed, len(st.List), allowance)
	}
	if st.RateLimited < 10_000-uint64(allowance) {
		t.Fatalf("rate limited %d, want at least %d", st.RateLimited, 10_000-uint64(allowance))
	}
}

// stats asks the node's book for its snapshot.
func stats(t *testing.T, n *node.Node) *addrbook.Addrs {
	t.Helper()
	reply, err := inspect.Ask(n.System().Root, n.AddrBook(), func(to *actor.PID) any {
		return &addrbook.GetAddrs{ReplyTo: to}
	}, 2*time.Second)
	if err != nil {
		t.Fatalf("address book: %v", err)
	}
	return reply.(*addrbook.Addrs)
}

// TestAddressBookKeptAcrossRestarts: the node writes its book to the data
// directory when it stops and reads it back when it starts again; the debug
// endpoint shows it.
func TestAddressBookKeptAcrossRestarts(t *testing.T) {
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.MaxOutbound = 0 // nothing to dial: the addresses are made up
	n := startNode(t, cfg, node.WithLogger(zaptest.NewLogger(t)))
	addToBook(t, n, "1.2.3.4:18444", "5.6.7.8:18444")
	if err := n.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDirOrDefault(), addrbook.FileName)); err != nil {
		t.Fatalf("no address book file after stop: %v", err)
	}

	cfg.DebugAddr = "127.0.0.1:0"
	again := nodetest.Start(t, cfg)
	resp, err := http.Get(again.DebugURL() + "addrbook")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		New, Tried int
		Entries    []struct {
			Addr    string `json:"addr"`
			Network string `json:"network"`
			Tried   bool   `json:"tried"`
		} `json:"entries"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatalf("GET /debug/addrbook: %v", err)
	}
	if resp.StatusCode != http.StatusOK || got.New != 2 || got.Tried != 0 || len(got.Entries) != 2 {
		t.Fatalf("GET /debug/addrbook = %d %+v, want the 2 saved addresses in new", resp.StatusCode, got)
	}
	for _, e := range got.Entries {
		if e.Network != "ipv4" || (e.Addr != "1.2.3.4:18444" && e.Addr != "5.6.7.8:18444") {
			t.Fatalf("entry %+v is not one of the saved ones", e)
		}
	}
}

// TestSeedNodeFetchesAddressesAndDisconnects: a -seednode is connected to
// once (addr-fetch), asked for addresses, and disconnected when they come.
func TestSeedNodeFetchesAddressesAndDisconnects(t *testing.T) {
	seedCfg := nodetest.Regtest(t, "127.0.0.1:0")
	seedCfg.MaxOutbound = 0
	nodetest.ClaimFullServices(&seedCfg) // an addr-fetch peer must offer them
	seed := nodetest.Start(t, seedCfg)
	known := []string{"1.2.3.4:18444", "5.6.7.8:18444", "9.10.11.12:18444"}
	addToBook(t, seed, known...)

	cfg := nodetest.Regtest(t, "127.0.0.2:0")
	cfg.MaxOutbound = 0
	cfg.SeedNode = []string{nodetest.ListenAddr(t, seed).String()}
	n := nodetest.Start(t, cfg)
	nodetest.Eventually(t, 10*time.Second, "the seed node's addresses in the book", func() bool {
		entries := nodetest.Book(t, n)
		for _, a := range known {
			if !inBook(entries, a) {
				return false
			}
		}
		return true
	})
	nodetest.Eventually(t, 10*time.Second, "the addr-fetch connection to close", func() bool {
		reply, err := inspect.Ask(n.System().Root, n.ConnMgr(), func(to *actor.PID) any {
			return &connmgr.GetPeers{ReplyTo: to}
		}, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		return len(reply.(*connmgr.Peers).List) == 0
	})
}
