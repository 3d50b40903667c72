package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/actors/rpc"
	"github.com/actornode/actornode/actors/rpc/client"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the node refused or failed
	exitUsage   = 2 // bad arguments
	exitNoNode  = 3 // no node answers
)

// Commands are the subcommands Run knows.
func Commands() []string { return []string{"peers", "tree", "addnode", "stop"} }

// IsCommand tells whether name is one of Commands.
func IsCommand(name string) bool {
	for _, c := range Commands() {
		if c == name {
			return true
		}
	}
	return false
}

// errNoNode means nothing answered where the node should be.
var errNoNode = errors.New("no node is running")

// target is where a node is and how to log in.
type target struct {
	cfg       node.Config
	rpcHost   string
	timeout   time.Duration
	onetry    bool
	rpcUser   string
	rpcPass   string
	debugAddr string
}

// Run runs subcommand args[0] with its flags and arguments, writing the
// answer to stdout and problems to stderr, and returns the exit code.
func Run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || !IsCommand(args[0]) {
		fmt.Fprintf(stderr, "actornode: unknown command; one of %v\n", Commands())
		return exitUsage
	}
	cmd := args[0]
	t, rest, err := parseFlags(cmd, args[1:], stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "actornode %s: %v\n", cmd, err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(context.Background(), t.timeout)
	defer cancel()
	switch cmd {
	case "peers":
		err = t.peers(ctx, stdout)
	case "tree":
		err = t.tree(ctx, stdout)
	case "addnode":
		if len(rest) != 1 {
			fmt.Fprintf(stderr, "usage: actornode addnode [flags] HOST[:PORT]\n")
			return exitUsage
		}
		err = t.addNode(ctx, rest[0], stdout)
	case "stop":
		err = t.stop(ctx, stdout)
	}
	if cmd != "addnode" && err == nil && len(rest) > 0 {
		err = fmt.Errorf("unexpected argument %q", rest[0])
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errNoNode):
		fmt.Fprintf(stderr, "actornode %s: %v\n", cmd, err)
		return exitNoNode
	default:
		fmt.Fprintf(stderr, "actornode %s: %v\n", cmd, err)
		return exitFailure
	}
}

func parseFlags(cmd string, args []string, stderr io.Writer) (*target, []string, error) {
	fs := flag.NewFlagSet("actornode "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	t := &target{cfg: node.DefaultConfig()}
	configPath := fs.String("config", "", "the node's configuration file (YAML), for its datadir, debugaddr and RPC settings")
	network := fs.String("network", "", "the node's network: mainnet, testnet, testnet4, signet, regtest")
	fs.BoolFunc("regtest", "the node runs on regtest", func(string) error { *network = "regtest"; return nil })
	fs.BoolFunc("testnet", "the node runs on testnet3", func(string) error { *network = "testnet"; return nil })
	fs.BoolFunc("testnet4", "the node runs on testnet4", func(string) error { *network = "testnet4"; return nil })
	fs.BoolFunc("signet", "the node runs on signet", func(string) error { *network = "signet"; return nil })
	datadir := fs.String("datadir", "", "the node's data directory, where its RPC cookie is")
	fs.StringVar(&t.rpcHost, "rpcconnect", "127.0.0.1", "the RPC server's host")
	rpcPort := fs.Int("rpcport", 0, "the RPC server's port (default: the network's)")
	fs.StringVar(&t.rpcUser, "rpcuser", "", "RPC user (default: the cookie's)")
	fs.StringVar(&t.rpcPass, "rpcpassword", "", "RPC password (default: the cookie's)")
	debugAddr := fs.String("debugaddr", "", "the node's debug endpoint IP:port (default "+t.cfg.DebugAddr+")")
	fs.DurationVar(&t.timeout, "timeout", 15*time.Second, "how long to wait for the node")
	if cmd == "addnode" {
		fs.BoolVar(&t.onetry, "onetry", false, "connect once instead of keeping the node connected")
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if *configPath != "" {
		if _, err := node.LoadConfigFile(*configPath, &t.cfg); err != nil {
			return nil, nil, err
		}
	}
	if *network != "" {
		t.cfg.Network = *network
	}
	if *datadir != "" {
		t.cfg.DataDir = *datadir
	}
	if *rpcPort != 0 {
		t.cfg.RPCPort = *rpcPort
	}
	if *debugAddr != "" {
		t.cfg.DebugAddr = *debugAddr
	}
	if t.rpcUser == "" && t.rpcPass == "" {
		t.rpcUser, t.rpcPass = t.cfg.RPCUser, t.cfg.RPCPassword
	}
	t.debugAddr = t.cfg.DebugAddr
	if _, err := t.cfg.Params(); err != nil {
		return nil, nil, err
	}
	return t, fs.Args(), nil
}

func (t *target) rpcAddr() string {
	return net.JoinHostPort(t.rpcHost, strconv.Itoa(int(t.cfg.RPCListenPort())))
}

// rpcClient logs in with the given credentials or the cookie.
func (t *target) rpcClient() (*client.Client, error) {
	c := &client.Client{URL: "http://" + t.rpcAddr() + "/", User: t.rpcUser, Password: t.rpcPass}
	if c.Password != "" {
		return c, nil
	}
	user, pass, err := rpc.ReadCookie(t.cfg.DataDirOrDefault())
	if err != nil {
		return nil, fmt.Errorf("%w with -server here: %v (start it with -server, or give -datadir, -network or -rpcpassword)", errNoNode, err)
	}
	c.User, c.Password = user, pass
	return c, nil
}

// call calls method, turning a refused connection into errNoNode.
func (t *target) call(ctx context.Context, method string, params ...any) (json.RawMessage, error) {
	c, err := t.rpcClient()
	if err != nil {
		return nil, err
	}
	res, err := c.Call(ctx, method, params...)
	if isUnreachable(err) {
		return nil, fmt.Errorf("%w with its RPC server at %s (start it with -server; its network is %s)", errNoNode, t.rpcAddr(), t.cfg.Network)
	}
	return res, err
}

// getDebug fetches a JSON route of the debug endpoint into v.
func (t *target) getDebug(ctx context.Context, route string, v any) error {
	if t.debugAddr == "" || t.debugAddr == "off" {
		return fmt.Errorf("%w: the debug endpoint is off (debugaddr)", errNoNode)
	}
	url := "http://" + t.debugAddr + route
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if isUnreachable(err) {
		return fmt.Errorf("%w with its debug endpoint at %s (is -debugaddr different?)", errNoNode, t.debugAddr)
	}
	if err != nil {
		return fmt.Errorf("get %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("get %s: HTTP %d: %s", url, resp.StatusCode, body)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("get %s: decode: %w", url, err)
	}
	return nil
}

func isUnreachable(err error) bool {
	return err != nil && (errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENETUNREACH))
}

func (t *target) peers(ctx context.Context, out io.Writer) error {
	var infos []*peer.Info
	res, err := t.call(ctx, "getpeerinfo")
	switch {
	case err == nil:
		if err := json.Unmarshal(res, &infos); err != nil {
			return fmt.Errorf("getpeerinfo: decode: %w", err)
		}
	case errors.Is(err, errNoNode):
		if derr := t.getDebug(ctx, "/debug/peers", &infos); derr != nil {
			if errors.Is(derr, errNoNode) {
				return fmt.Errorf("%w: nothing answers at the RPC server %s nor the debug endpoint %s", errNoNode, t.rpcAddr(), t.debugAddr)
			}
			return derr
		}
	default:
		return err
	}
	writePeers(out, infos)
	return nil
}

func (t *target) tree(ctx context.Context, out io.Writer) error {
	var root inspect.Node
	if err := t.getDebug(ctx, "/debug/actors", &root); err != nil {
		return err
	}
	writeTree(out, root)
	return nil
}

func (t *target) addNode(ctx context.Context, addr string, out io.Writer) error {
	command := "add"
	if t.onetry {
		command = "onetry"
	}
	if _, err := t.call(ctx, "addnode", addr, command); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: %s\n", command, addr)
	return nil
}

func (t *target) stop(ctx context.Context, out io.Writer) error {
	res, err := t.call(ctx, "stop")
	if err != nil {
		return err
	}
	var msg string
	_ = json.Unmarshal(res, &msg)
	fmt.Fprintln(out, msg)
	return nil
}
