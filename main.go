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
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(run(os.Args[1:], os.Stderr))
}

// gcPercent is the node's garbage collection target unless the GOGC
// environment variable sets one. An idle peer is almost all live heap, and
// Go's default (100: collect when the heap has doubled since the last
// collection) keeps up to twice the live heap resident; half of that
// headroom holds twenty thousand peers in a quarter less memory. The
// message path recycles its buffers, so collections stay rare under load.
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
	"listen": true, "dnsseed": true, "fixedseeds": true, "blocksonly": true, "debug": true,
	"natpmp": true, "upnp": true, "discover": true, "server": true,
}

// loadConfig parses the flags, reads the config file and lays the flags over
// it, then validates the result.
func loadConfig(args []string, stderr io.Writer) (node.Config, error) {
	fs := flag.NewFlagSet("actornode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "configuration file (YAML); flags override it")
	network := ""
	fs.BoolFunc("regtest", "use the regression test network", func(string) error { network = "regtest"; return nil })
	fs.BoolFunc("testnet", "use testnet3", func(string) error { network = "testnet"; return nil })
	fs.BoolFunc("testnet4", "use testnet4", func(string) error { network = "testnet4"; return nil })
	fs.BoolFunc("signet", "use the default signet", func(string) error { network = "signet"; return nil })
	var settings []setting
	keys := node.ConfigKeys()
	sort.Strings(keys)
	for _, k := range keys {
		fs.Var(&settingValue{key: k, isBool: boolKeys[k], settings: &settings}, k, flagUsage(k))
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

func flagUsage(key string) string {
	d := node.DefaultConfig()
	switch key {
	case "network":
		return "network: mainnet, testnet, testnet4, signet, regtest (default mainnet)"
	case "datadir":
		return "data directory; a network's files go in its subdirectory as in Core (regtest, testnet3, testnet4, signet; mainnet: the directory itself) (default ~/.actornode/<network>)"
	case "listen":
		return "accept inbound connections (default 1; 0 with -connect or -maxconnections=0)"
	case "bind":
		return "listen on this address, IP or IP:port (repeatable; default all interfaces)"
	case "port":
		return "listening port (default: the network's)"
	case "connect":
		return "connect only to this peer, host[:port] (repeatable)"
	case "addnode":
		return "keep this peer connected, host[:port] (repeatable)"
	case "seednode":
		return "connect to this peer once to fetch addresses, then disconnect, host[:port] (repeatable)"
	case "maxconnections":
		return fmt.Sprintf("most automatic connections, inbound and outbound; 0: none (default %d)", d.MaxConnections)
	case "maxoutbound":
		return fmt.Sprintf("automatic outbound connections, at most -maxconnections (default %d)", d.MaxOutbound)
	case "dnsseed":
		return "query DNS seeds when the address book is thin (default 1; 0 with -connect or -maxconnections=0)"
	case "dnsseeds":
		return "DNS seed names, replacing the network's (comma-separated or repeated)"
	case "dnsresolver":
		return "DNS server HOST:PORT for seeding (default: the system's)"
	case "fixedseeds":
		return "use the built-in seed addresses when DNS gives nothing (default 1)"
	case "blocksonly":
		return "ask peers not to relay transactions (default 0)"
	case "regtestservices":
		return "regtest only: announce these services (NETWORK,WITNESS,...) though the node serves no blocks; for tests (default none)"
	case "natpmp":
		return "map the listening port on the gateway with PCP, then NAT-PMP (default 0: see README)"
	case "upnp":
		return "map the listening port with UPnP IGD (default 0)"
	case "natpmpgateway":
		return "gateway IP for PCP and NAT-PMP (default: the default route's gateway)"
	case "externalip":
		return "our public address, IP or IP:port, advertised to peers (repeatable)"
	case "discover":
		return "advertise routable addresses of local interfaces (default 1 when listening without -externalip)"
	case "portmaplifetime":
		return fmt.Sprintf("lifetime asked of the gateway for the port mapping, renewed at half (default %v)", d.PortMapLifetime)
	case "debug":
		return "debug logging: -debug for all, or -debug=net,addrman,msg,node"
	case "logformat":
		return "log format: console or json (default console)"
	case "logfile":
		return "also append the log to this file (a relative path is in the data directory); SIGHUP reopens it"
	case "server":
		return "run the JSON-RPC server bitcoin-cli understands (default 0)"
	case "rpcbind":
		return "RPC server address, IP or IP:port (repeatable; default 127.0.0.1 and ::1; non-loopback needs -rpcallowip)"
	case "rpcport":
		return "RPC port (default: the network's, as Core's: 8332, 18332, 48332, 38332, 18443)"
	case "rpcallowip":
		return "admit RPC clients from this IP, IP/bits or IP/netmask besides loopback (repeatable)"
	case "rpcuser":
		return "RPC user name"
	case "rpcpassword":
		return "RPC password (default: a cookie file .cookie in the data directory)"
	case "rpcauth":
		return "RPC user USER:SALT$HASH as Core's -rpcauth (share/rpcauth/rpcauth.py; repeatable)"
	case "rpcthreads":
		return fmt.Sprintf("RPC requests run at once (default %d)", d.RPCThreads)
	case "rpcworkqueue":
		return fmt.Sprintf("RPC requests waiting for a thread before 503 (default %d)", d.RPCWorkQueue)
	case "rpcservertimeout":
		return fmt.Sprintf("drop an idle RPC or debug HTTP client after this many seconds (default %d)", int(d.RPCServerTimeout.Seconds()))
	case "debugaddr":
		return fmt.Sprintf("debug HTTP endpoint IP:port, or off (default %s; non-loopback needs -debugallowip)", d.DebugAddr)
	case "debugallowip":
		return "admit debug endpoint clients from this IP, IP/bits or IP/netmask besides loopback (repeatable)"
	}
	return strings.ReplaceAll(key, "_", " ")
}
