package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/node/nodeinfo"
)

// runNode starts a node from cfg and runs it until SIGINT or SIGTERM (or
// until an actor of it fails), then stops it in order. Like bitcoind it
// reopens its log file on SIGHUP and ignores SIGPIPE, so logrotate's kill
// -HUP and a closed pipe on its output do not end it; a repeated SIGINT or
// SIGTERM while it stops is ignored (the stop is bounded), so every way
// out goes through the stop that saves the address book and removes the
// RPC cookie.
func runNode(cfg node.Config) error {
	signal.Ignore(syscall.SIGPIPE)
	n, err := node.New(cfg)
	if err != nil {
		return err
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	handled := make(chan struct{})
	go func() {
		defer close(handled)
		handleSignals(n, sigs, cancel)
	}()
	defer func() {
		signal.Stop(sigs)
		close(sigs)
		<-handled
	}()
	if err := n.Start(ctx); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	select {
	case <-ctx.Done():
		n.Logger().Info("shutting down")
	case <-n.Done():
	}
	return n.Stop(context.Background())
}

// handleSignals serves the node's signals until sigs is closed: SIGHUP
// reopens the log file, the first SIGINT or SIGTERM calls stop.
func handleSignals(n *node.Node, sigs <-chan os.Signal, stop func()) {
	stopping := false
	for s := range sigs {
		switch {
		case s == syscall.SIGHUP:
			_ = n.ReopenLogFile() // logged by the node
		case stopping:
			n.Logger().Info("already stopping", zap.Stringer("signal", s))
		default:
			stopping = true
			stop()
		}
	}
}

// demoNodes is the loopback regtest network of make demo: each node knows
// only the one before it and finds the rest through addr gossip.
var demoNodes = []struct {
	name, listen, debug, addnode string
}{
	{"node1", "127.0.0.1:18501", "127.0.0.1:8341", ""},
	{"node2", "127.0.0.1:18502", "127.0.0.1:8342", "127.0.0.1:18501"},
	{"node3", "127.0.0.1:18503", "127.0.0.1:8343", "127.0.0.1:18502"},
}

// demoPingInterval is the demo's ping interval, shorter than Core's two
// minutes so that the ping times show soon.
const demoPingInterval = 10 * time.Second

// demoConfig is the configuration of demo node i, its data under dir: on
// loopback only, no seeds, and no port mapping (the demo must never touch
// the router of the machine it runs on).
func demoConfig(dir string, i int) node.Config {
	d := demoNodes[i]
	cfg := node.DefaultConfig()
	cfg.Network = "regtest"
	cfg.DataDir = filepath.Join(dir, d.name)
	cfg.Bind = []string{d.listen}
	cfg.DebugAddr = d.debug
	cfg.DNSSeed = false
	cfg.FixedSeeds = false
	cfg.NATPMP = false
	cfg.UPnP = false
	cfg.PingInterval = demoPingInterval
	// node3 reaches node1 through an automatic outbound slot, which
	// requires NETWORK and WITNESS of the peer: the demo nodes claim them,
	// though they serve no blocks past genesis.
	cfg.RegtestServices = []string{"NETWORK", "WITNESS"}
	if d.addnode != "" {
		cfg.AddNode = []string{d.addnode}
	}
	return cfg
}

// runDemo runs three regtest nodes on loopback in one process until SIGINT.
func runDemo(dir string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	debug := &node.DebugCategories{}
	base := node.NewLogger("console", os.Stderr, debug)
	var nodes []*node.Node
	defer func() {
		for i := len(nodes) - 1; i >= 0; i-- {
			_ = nodes[i].Stop(context.Background())
		}
	}()
	for i, d := range demoNodes {
		n, err := node.New(demoConfig(dir, i), node.WithLogger(base.With(zap.String("node", d.name))))
		if err != nil {
			return fmt.Errorf("demo %s: %w", d.name, err)
		}
		if err := n.Start(ctx); err != nil {
			return fmt.Errorf("demo %s: %w", d.name, err)
		}
		nodes = append(nodes, n)
	}
	fmt.Println("three regtest nodes on loopback; Ctrl-C stops them")
	for i, d := range demoNodes {
		fmt.Printf("  %s  p2p %s  debug %s  (try: curl -s %speers)\n", d.name, d.listen, nodes[i].DebugURL(), nodes[i].DebugURL())
	}
	ticker := time.NewTicker(10 * time.Second)
	defer ticker.Stop()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-ticker.C:
			for i, d := range demoNodes {
				fmt.Println(demoSummary(d.name, nodes[i]))
			}
		}
	}
	stop()
	var errs []error
	for i := len(nodes) - 1; i >= 0; i-- {
		errs = append(errs, nodes[i].Stop(context.Background()))
	}
	nodes = nil
	return errors.Join(errs...)
}

// demoSummary is one line about a demo node's peers and their ping times.
func demoSummary(name string, n *node.Node) string {
	infos, err := nodeinfo.Peers(n.System().Root, n.ConnMgr(), 2*time.Second)
	if err != nil {
		return fmt.Sprintf("%s: %v", name, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d peers", name, len(infos))
	for _, p := range infos {
		dir := "out"
		if p.Inbound {
			dir = "in"
		}
		fmt.Fprintf(&b, "  [%d %s %s ping %.2fms]", p.ID, dir, p.Addr, p.PingTime*1000)
	}
	return b.String()
}
