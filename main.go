// Command actornode runs a Bitcoin peer-to-peer node built on the actor
// model. Flags are bitcoind's (-connect=, -addnode=, -regtest, -debug=net,
// ...) and are laid over config.yaml: a flag always wins.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/actornode/actornode/actors/cli"
	"github.com/actornode/actornode/actors/node"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the node failed while starting or running
	exitUsage   = 2 // bad flags or configuration
)

func main() {
	setGCPercent(os.Getenv("GOGC"))
	os.Exit(run(os.Args[1:], os.Stderr))
}

// setGCPercent sets gcPercent unless gogc (the GOGC environment variable)
// is set, in which case the runtime has already applied it.
func setGCPercent(gogc string) {
	if gogc == "" {
		debug.SetGCPercent(gcPercent)
	}
}

// gcPercent is the node's garbage collection target unless the GOGC
// environment variable sets one. An idle peer is almost all live heap, and
// Go's default (100: collect when the heap has doubled since the last
// collection) lets the heap grow to twice the live heap before collecting;
// half of that headroom measured 3.0 KiB of RSS per idle peer at 19,000
// peers against 3.4 KiB with the default, about 12% less (README,
// Performance; a manual p2pload measurement, not a test). The message path
// recycles its buffers, so collections stay rare under load.
const gcPercent = 50

func run(args []string, stderr io.Writer) int {
	if len(args) > 0 {
		switch cmd := args[0]; {
		case cmd == "demo":
			dir, err := os.MkdirTemp("", "actornode-demo-")
			if err == nil {
				defer os.RemoveAll(dir)
				err = runDemo(dir)
			}
			if err != nil {
				fmt.Fprintf(stderr, "actornode demo: %v\n", err)
				return exitFailure
			}
			return exitOK
		case cli.IsCommand(cmd): // peers, tree, addnode, stop: talk to a running node
			return cli.Run(args, os.Stdout, stderr)
		}
	}
	cfg, err := loadConfig(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "actornode: %v\n", err)
		return exitUsage
	}
	if err := runNode(cfg); err != nil {
		fmt.Fprintf(stderr, "actornode: %v\n", err)
		var ce *node.ConfigError
		if errors.As(err, &ce) {
			return exitUsage
		}
		return exitFailure
	}
	return exitOK
}

// setting is one flag as given on the command line, applied after the file.
type setting struct{ key, value string }

// settingValue records a flag for a config key.
type settingValue struct {
	key      string
	isBool   bool
	settings *[]setting
}

func (v *settingValue) String() string   { return "" }
func (v *settingValue) IsBoolFlag() bool { return v.isBool }
func (v *settingValue) Set(s string) error {
	*v.settings = append(*v.settings, setting{v.key, s})
	return nil
}

// boolKeys take -key alone as true, like bitcoind's -listen or -debug.
var boolKeys = map[string]bool{
	"listen": true, "dnsseed": true, "fixedseeds": true, "blocksonly": true, "debug": true, "v2transport": true,
	"natpmp": true, "upnp": true, "discover": true, "server": true,
}

// loadConfig parses the flags, reads the config file and lays the flags over
// it, then validates the result.
func loadConfig(args []string, stderr io.Writer) (node.Config, error) {
	fs := flag.NewFlagSet("actornode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "configuration file (YAML); flags override it")
	network := ""
	// bitcoind's network flags: -regtest is -network=regtest.
	for _, f := range []struct{ flag, usage string }{
		{"regtest", "use the regression test network"},
		{"testnet", "use testnet3"},
		{"testnet4", "use testnet4"},
		{"signet", "use the default signet"},
	} {
		fs.BoolFunc(f.flag, f.usage, func(string) error { network = f.flag; return nil })
	}
	var settings []setting
	keys := node.ConfigKeys()
	sort.Strings(keys)
	usages := flagUsages(node.DefaultConfig())
	for _, k := range keys {
		fs.Var(&settingValue{key: k, isBool: boolKeys[k], settings: &settings}, k, flagUsage(usages, k))
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: actornode [flags]\n       actornode demo\n"+
			"       actornode peers|tree|stop [flags]   (ask a running node; -h for flags)\n"+
			"       actornode addnode [flags] HOST[:PORT]\n\nFlags (each also a key of config.yaml):\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return node.Config{}, err
	}
	if fs.NArg() > 0 {
		return node.Config{}, fmt.Errorf("unexpected argument %q (flags are -key=value)", fs.Arg(0))
	}

	cfg := node.DefaultConfig()
	var fileKeys []string
	if *configPath != "" {
		var err error
		if fileKeys, err = node.LoadConfigFile(*configPath, &cfg); err != nil {
			return cfg, err
		}
	}
	if network != "" {
		cfg.Network = network
	}
	given := map[string]bool{}
	for _, k := range fileKeys {
		given[k] = true
	}
	flagged := map[string]bool{}
	for _, s := range settings {
		value := s.value
		if s.key == "debug" && value == "true" {
			value = "all"
		}
		if err := node.SetConfigString(&cfg, s.key, value, !flagged[s.key]); err != nil {
			return cfg, fmt.Errorf("flag -%s: %w", s.key, err)
		}
		flagged[s.key] = true
		given[s.key] = true
	}
	// Core's parameter interaction: -connect or -maxconnections=0 means
	// no listening and no seeding unless asked for explicitly.
	if len(cfg.Connect) > 0 || cfg.MaxConnections == 0 {
		if !given["listen"] {
			cfg.Listen = false
		}
		if !given["dnsseed"] {
			cfg.DNSSeed = false
		}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// flagUsages is each config key's flag help, with the defaults of d; a key
// missing here is described by its name.
func flagUsages(d node.Config) map[string]string {
	return map[string]string{
		"network":          "network: mainnet, testnet, testnet4, signet, regtest (default mainnet)",
		"datadir":          "data directory; a network's files go in its subdirectory as in Core (regtest, testnet3, testnet4, signet; mainnet: the directory itself) (default ~/.actornode/<network>)",
		"listen":           "accept inbound connections (default 1; 0 with -connect or -maxconnections=0)",
		"bind":             "listen on this address, IP or IP:port (repeatable; default all interfaces)",
		"port":             "listening port (default: the network's)",
		"connect":          "connect only to this peer, host[:port] (repeatable)",
		"addnode":          "keep this peer connected, host[:port] (repeatable)",
		"seednode":         "connect to this peer once to fetch addresses, then disconnect, host[:port] (repeatable)",
		"maxconnections":   fmt.Sprintf("most automatic connections, inbound and outbound; 0: none (default %d)", d.MaxConnections),
		"maxoutbound":      fmt.Sprintf("automatic outbound connections, at most -maxconnections (default %d)", d.MaxOutbound),
		"dnsseed":          "query DNS seeds when the address book is thin (default 1; 0 with -connect or -maxconnections=0)",
		"dnsseeds":         "DNS seed names, replacing the network's (comma-separated or repeated)",
		"dnsresolver":      "DNS server HOST:PORT for seeding (default: the system's)",
		"fixedseeds":       "use the built-in seed addresses when DNS gives nothing (default 1)",
		"blocksonly":       "ask peers not to relay transactions (default 0)",
		"v2transport":      "speak the BIP324 v2 encrypted transport and announce NODE_P2P_V2 (default 1)",
		"regtestservices":  "regtest only: announce these services (NETWORK,WITNESS,...) though the node serves no blocks; for tests (default none)",
		"natpmp":           "map the listening port on the gateway with PCP, then NAT-PMP (default 0: see README)",
		"upnp":             "map the listening port with UPnP IGD (default 0)",
		"natpmpgateway":    "gateway IP for PCP and NAT-PMP (default: the default route's gateway)",
		"externalip":       "our public address, IP or IP:port, advertised to peers (repeatable)",
		"discover":         "advertise routable addresses of local interfaces (default 1 when listening without -externalip)",
		"portmaplifetime":  fmt.Sprintf("lifetime asked of the gateway for the port mapping, renewed at half (default %v)", d.PortMapLifetime),
		"debug":            "debug logging: -debug for all, or -debug=net,addrman,msg,node",
		"logformat":        "log format: console or json (default console)",
		"logfile":          "also append the log to this file (a relative path is in the data directory); SIGHUP reopens it",
		"server":           "run the JSON-RPC server bitcoin-cli understands (default 0)",
		"rpcbind":          "RPC server address, IP or IP:port (repeatable; default 127.0.0.1 and ::1; non-loopback needs -rpcallowip)",
		"rpcport":          "RPC port (default: the network's, as Core's: 8332, 18332, 48332, 38332, 18443)",
		"rpcallowip":       "admit RPC clients from this IP, IP/bits or IP/netmask besides loopback (repeatable)",
		"rpcuser":          "RPC user name",
		"rpcpassword":      "RPC password (default: a cookie file .cookie in the data directory)",
		"rpcauth":          "RPC user USER:SALT$HASH as Core's -rpcauth (share/rpcauth/rpcauth.py; repeatable)",
		"rpcthreads":       fmt.Sprintf("RPC requests run at once (default %d)", d.RPCThreads),
		"rpcworkqueue":     fmt.Sprintf("RPC requests waiting for a thread before 503 (default %d)", d.RPCWorkQueue),
		"rpcservertimeout": fmt.Sprintf("drop an idle RPC or debug HTTP client after this many seconds (default %d)", int(d.RPCServerTimeout.Seconds())),
		"debugaddr":        fmt.Sprintf("debug HTTP endpoint IP:port, or off (default %s; non-loopback needs -debugallowip)", d.DebugAddr),
		"debugallowip":     "admit debug endpoint clients from this IP, IP/bits or IP/netmask besides loopback (repeatable)",
		"minimumchainwork": "debug: minimum work of a chain worth syncing, up to 64 hex digits (default: the network's, as Core's -minimumchainwork)",
	}
}

// flagUsage is key's flag help from usages.
func flagUsage(usages map[string]string, key string) string {
	if u, ok := usages[key]; ok {
		return u
	}
	return strings.ReplaceAll(key, "_", " ")
}
