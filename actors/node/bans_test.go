package node_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/node/nodetest"
)

// TestBansKeptAcrossRestarts bans a subnet, restarts the node on the same
// data directory and finds the ban in force, read from banlist.json.
func TestBansKeptAcrossRestarts(t *testing.T) {
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	listBans := func(n *node.Node) []connmgr.BanEntry {
		t.Helper()
		reply, err := inspect.Ask(n.System().Root, n.ConnMgr(), func(to *actor.PID) any {
			return &connmgr.ListBans{ReplyTo: to}
		}, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		return reply.(*connmgr.Bans).List
	}
	first := nodetest.Start(t, cfg)
	subnet := netip.MustParsePrefix("203.0.113.0/24")
	first.System().Root.Send(first.ConnMgr(), &connmgr.Ban{Subnet: subnet})
	nodetest.Eventually(t, 5*time.Second, "the ban in force", func() bool { return len(listBans(first)) == 1 })
	if err := first.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDirOrDefault(), connmgr.BanFileName)); err != nil {
		t.Fatalf("no ban list file after stop: %v", err)
	}

	again := nodetest.Start(t, cfg)
	if bans := listBans(again); len(bans) != 1 || bans[0].Subnet != subnet {
		t.Fatalf("bans after the restart %+v, want %v", bans, subnet)
	}
}
