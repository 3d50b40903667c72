package rpc_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/actors/rpc"
	"github.com/actornode/actornode/actors/rpc/client"
)

// A server over a stand-in connection manager that has two peers, called
// the way bitcoin-cli calls bitcoind.
func Example() {
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	defer system.Shutdown()
	connMgr := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if m, ok := ctx.Message().(*connmgr.GetPeers); ok {
			ctx.Send(m.ReplyTo, &connmgr.Peers{List: []connmgr.PeerEntry{{ID: 1}, {ID: 2}}})
		}
	}))

	srv, err := rpc.New(rpc.Config{
		Bind:     []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")},
		User:     "alice",
		Password: "secret",
		Backend:  rpc.Backend{Root: system.Root, ConnMgr: connMgr, Stop: func() {}},
	})
	if err != nil {
		panic(err)
	}
	if err := srv.Start(); err != nil {
		panic(err)
	}
	defer srv.Shutdown(context.Background())

	c := &client.Client{URL: "http://" + srv.Addrs()[0].String() + "/", User: "alice", Password: "secret"}
	count, err := c.Call(context.Background(), "getconnectioncount")
	fmt.Println(string(count), err)
	_, err = c.Call(context.Background(), "getmempoolinfo")
	fmt.Println(err)
	// Output:
	// 2 <nil>
	// error code: -32601
	// error message:
	// Method not found
}
