package node

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/metrics"
	"github.com/actornode/actornode/actors/node/nodeinfo"
	"github.com/actornode/actornode/actors/rpc"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport"
)

// scrapeTimeout bounds the questions to the actors of one /metrics scrape.
const scrapeTimeout = 2 * time.Second

// Metrics is the node's metrics (its own Prometheus registry), served at
// /metrics on the debug endpoint.
func (n *Node) Metrics() *metrics.Metrics { return n.metrics }

// Counters is the table of every actor's mailbox counters.
func (n *Node) Counters() *inspect.Counters { return n.counters }

// RPCAddrs are the addresses the RPC server listens on (none when -server
// is off).
func (n *Node) RPCAddrs() []netip.AddrPort {
	if n.rpcSrv == nil {
		return nil
	}
	return n.rpcSrv.Addrs()
}

// RPCURL is the URL of the RPC server's first address, or "" when it is off.
func (n *Node) RPCURL() string {
	addrs := n.RPCAddrs()
	if len(addrs) == 0 {
		return ""
	}
	return "http://" + addrs[0].String() + "/"
}

// counted gives props the node's counted mailbox, so /debug/actors and
// /metrics show its depth, messages processed, restarts and uptime.
func (n *Node) counted(props *actor.Props) *actor.Props {
	return props.Configure(actor.WithMailbox(n.counters.Mailbox()))
}

// identity is what getnetworkinfo and /debug/net say about the node.
func (n *Node) identity() nodeinfo.Identity {
	return nodeinfo.Identity{
		Version:         coreVersion(n.opts.version),
		SubVersion:      n.userAgent(),
		ProtocolVersion: protocol.ProtocolVersion,
		Services:        n.services(),
		Relay:           !n.cfg.BlocksOnly,
	}
}

// coreVersion encodes "major.minor.patch" as Core does: 10000*major +
// 100*minor + patch; parts that are not numbers count as 0.
func coreVersion(v string) int {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	out := 0
	for i, weight := range []int{10000, 100, 1} {
		if i < len(parts) {
			digits := parts[i]
			if end := strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }); end >= 0 {
				digits = digits[:end]
			}
			if d, err := strconv.Atoi(digits); err == nil {
				out += weight * d
			}
		}
	}
	return out
}

// trailingID strips the per-instance number of an actor name ("peer-12").
var trailingID = regexp.MustCompile(`-[0-9]+$`)

// kindOf is the metric label of an actor path: its last segment without a
// trailing number ("node/connmgr/peer-7" -> "peer").
func kindOf(path string) string {
	name := path[strings.LastIndexByte(path, '/')+1:]
	return trailingID.ReplaceAllString(name, "")
}

// snapshot gathers the state-based metrics at scrape time by asking the
// actors, concurrently, within ctx.
func (n *Node) snapshot(ctx context.Context) metrics.Snapshot {
	var s metrics.Snapshot
	if n.system == nil {
		return s
	}
	timeout := scrapeTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	root := n.system.Root
	var wg sync.WaitGroup
	wg.Go(func() {
		r, err := inspect.Ask(root, n.pids.connmgr, func(to *actor.PID) any { return &connmgr.GetPeers{ReplyTo: to} }, timeout)
		if err != nil {
			return
		}
		for _, p := range r.(*connmgr.Peers).List {
			if p.Inbound {
				s.PeersInbound++
			} else {
				s.PeersOutbound++
			}
		}
	})
	wg.Go(func() {
		d, err := inspect.Query(root, n.pids.addrbook, timeout)
		if err != nil {
			return
		}
		newCount, ok1 := d.Summary["new"].(int)
		tried, ok2 := d.Summary["tried"].(int)
		s.AddrNew, s.AddrTried, s.HaveAddrBook = newCount, tried, ok1 && ok2
	})
	wg.Go(func() {
		r, err := inspect.Ask(root, n.pids.io, func(to *actor.PID) any { return &transport.GetStats{ReplyTo: to} }, timeout)
		if err != nil {
			return
		}
		if st, ok := r.(*transport.Stats); ok {
			s.IO = &metrics.IOStats{
				Wakeups: st.Wakeups, Conns: st.Conns,
				BytesRead: st.BytesRead, BytesWritten: st.BytesWritten, BytesQueued: st.BytesQueued,
				V2Established: st.V2Established, V2Failures: st.V2Failures, V2Decoys: st.V2Decoys, V2Dropped: st.V2Dropped,
			}
		}
	})
	n.counters.Each(func(path string, st inspect.Stats) {
		s.Actors = append(s.Actors, metrics.Actor{Kind: kindOf(path), MailboxLen: st.MailboxLen, Restarts: st.Restarts})
	})
	wg.Wait()
	return s
}

// startRPC starts the JSON-RPC server when -server is on.
func (n *Node) startRPC() error {
	if !n.cfg.Server {
		return nil
	}
	allow, err := n.cfg.RPCAllowNets()
	if err != nil {
		return err
	}
	srv, err := rpc.New(rpc.Config{
		Bind:      n.cfg.RPCBindAddrs(),
		AllowIP:   allow,
		User:      n.cfg.RPCUser,
		Password:  n.cfg.RPCPassword,
		Auth:      n.cfg.RPCAuth,
		Threads:   n.cfg.RPCThreads,
		WorkQueue: n.cfg.RPCWorkQueue,
		Timeout:   n.cfg.RPCServerTimeout,
		CookieDir: n.cfg.DataDirOrDefault(),
		Backend: rpc.Backend{
			Root: n.system.Root, ConnMgr: n.pids.connmgr, AddrBook: n.pids.addrbook, IO: n.pids.io, Chain: n.pids.chain,
			Identity: n.identity(),
			Started:  n.started,
			Stop: func() {
				n.logger.Named(CategoryNode).Info("stop requested over RPC")
				go func() { _ = n.Stop(context.Background()) }()
			},
			Clock: n.opts.clock,
		},
		Logger: n.logger.Named(CategoryNode).Named("rpc"),
	})
	if err != nil {
		return fmt.Errorf("start node: %w", err)
	}
	if err := srv.Start(); err != nil {
		return fmt.Errorf("start node: %w", err)
	}
	n.rpcSrv = srv
	return nil
}

// closeLogFile closes -logfile, if the node opened one; a later
// ReopenLogFile does nothing.
func (n *Node) closeLogFile() {
	if n.logFile == nil {
		return
	}
	if err := n.logFile.Close(); err != nil {
		n.logger.Warn("close log file", zap.Error(err))
	}
}

// Config is the configuration the node was built with.
func (n *Node) Config() Config { return n.cfg }
