package rpc

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/addrbook"
	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/node/nodeinfo"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/protocol/netaddr"
	"github.com/actornode/actornode/transport"
)

// method is one RPC method: Core's name, parameters and help.
type method struct {
	name     string
	category string
	params   []param
	// about is the help after the usage line.
	about string
	// help is the usage line and about, built by methodTable.
	help string
	run  func(ctx context.Context, s *Server, a args) (any, error)
}

// methodTable lists the methods, in Core's categories.
func methodTable() map[string]*method {
	list := []*method{
		{name: "getconnectioncount", category: "Network", run: getConnectionCount,
			about: "Returns the number of connections to other nodes.\n\nResult:\nn    (numeric) The connection count"},
		{name: "getnettotals", category: "Network", run: getNetTotals,
			about: "Returns information about network traffic: bytes in, bytes out, and the current time in milliseconds."},
		{name: "getnetworkinfo", category: "Network", run: getNetworkInfo,
			about: "Returns an object with the state of the P2P network: version, subversion, protocol version, local services, connections in and out, networks and local addresses."},
		{name: "getpeerinfo", category: "Network", run: getPeerInfo,
			about: "Returns data about each connected node as a JSON array of objects."},
		{name: "addnode", category: "Network", run: addNode,
			params: []param{{name: "node", kind: kindString}, {name: "command", kind: kindString}, {name: "v2transport", kind: kindBool, optional: true}},
			about:  "Adds a node to the list kept connected (command \"add\"), removes one (\"remove\") or connects to one once (\"onetry\").\nNodes added are not protected from eviction and count toward no outbound limit.\n\nArguments:\n1. node       (string, required) The address of the node, host[:port]\n2. command    (string, required) \"add\", \"remove\" or \"onetry\"\n3. v2transport (boolean, optional, default=set by -v2transport) Attempt to connect using BIP324 v2 transport protocol (ignored for 'remove' command)\n\nResult:\nnull"},
		{name: "disconnectnode", category: "Network", run: disconnectNode,
			params: []param{{name: "address", kind: kindString, optional: true}, {name: "nodeid", kind: kindNumber, optional: true}},
			about:  "Immediately disconnects from the given node: by address, or by nodeid (from getpeerinfo) with an empty address.\n\nArguments:\n1. address (string, optional) The IP address:port of the node\n2. nodeid  (numeric, optional) The node id\n\nResult:\nnull"},
		{name: "getaddednodeinfo", category: "Network", run: getAddedNodeInfo,
			params: []param{{name: "node", kind: kindString, optional: true}},
			about:  "Returns information about the given added node, or all added nodes (onetry nodes are not listed).\n\nArguments:\n1. node (string, optional) Only this node\n\nResult: [{\"addednode\", \"connected\", \"addresses\": [{\"address\", \"connected\"}]}]"},
		{name: "setban", category: "Network", run: setBan,
			params: []param{{name: "subnet", kind: kindString}, {name: "command", kind: kindString}, {name: "bantime", kind: kindNumber, optional: true}, {name: "absolute", kind: kindBool, optional: true}},
			about:  "Bans (\"add\") or unbans (\"remove\") an IP address or subnet.\n\nArguments:\n1. subnet   (string, required) IP or IP/netmask (/24 or /255.255.255.0)\n2. command  (string, required) \"add\" or \"remove\"\n3. bantime  (numeric, optional, default 0 = 24h) Seconds, or a Unix time when absolute\n4. absolute (boolean, optional, default false) bantime is an absolute Unix time\n\nResult:\nnull"},
		{name: "listbanned", category: "Network", run: listBanned,
			about: "Lists the banned IPs and subnets.\n\nResult: [{\"address\", \"ban_created\", \"banned_until\", \"ban_duration\", \"time_remaining\"}]"},
		{name: "clearbanned", category: "Network", run: clearBanned,
			about: "Clears all banned IPs.\n\nResult:\nnull"},
		{name: "getnodeaddresses", category: "Network", run: getNodeAddresses,
			params: []param{{name: "count", kind: kindNumber, optional: true}, {name: "network", kind: kindString, optional: true}},
			about:  "Returns known addresses from the address book, in random order.\n\nArguments:\n1. count   (numeric, optional, default 1) How many; 0 for all\n2. network (string, optional) Only \"ipv4\", \"ipv6\", \"onion\", \"i2p\" or \"cjdns\"\n\nResult: [{\"time\", \"services\", \"address\", \"port\", \"network\"}]"},
		{name: "ping", category: "Network", run: pingAll,
			about: "Requests that a ping be sent to all other nodes; the results appear in getpeerinfo's pingtime and minping.\n\nResult:\nnull"},
		{name: "help", category: "Control", run: help,
			params: []param{{name: "command", kind: kindString, optional: true}},
			about:  "Lists all commands, or gets help for a specified command.\n\nArguments:\n1. command (string, optional) The command to get help on"},
		{name: "stop", category: "Control", run: stop,
			about: "Requests a graceful shutdown of the node."},
		{name: "uptime", category: "Control", run: uptime,
			about: "Returns the total uptime of the node.\n\nResult:\nn    (numeric) The number of seconds the node has been running"},
	}
	list = append(list, chainMethods()...)
	out := make(map[string]*method, len(list))
	for _, m := range list {
		m.help = m.usage() + "\n\n" + m.about + "\n"
		out[m.name] = m
	}
	return out
}

// ask asks one actor with the backend's deadline.
func (s *Server) ask(pid *actor.PID, build func(*actor.PID) any) (any, error) {
	if pid == nil {
		return nil, errorf(CodeInternalError, "the node has no such actor")
	}
	r, err := inspect.Ask(s.cfg.Backend.Root, pid, build, s.cfg.Backend.Timeout)
	if err != nil {
		return nil, errorf(CodeInternalError, "%v", err)
	}
	return r, nil
}

func (s *Server) peerTable() (*connmgr.Peers, error) {
	r, err := s.ask(s.cfg.Backend.ConnMgr, func(to *actor.PID) any { return &connmgr.GetPeers{ReplyTo: to} })
	if err != nil {
		return nil, err
	}
	return r.(*connmgr.Peers), nil
}

func getConnectionCount(_ context.Context, s *Server, _ args) (any, error) {
	peers, err := s.peerTable()
	if err != nil {
		return nil, err
	}
	return len(peers.List), nil
}

// netTotals is getnettotals' result.
type netTotals struct {
	TotalBytesRecv uint64      `json:"totalbytesrecv"`
	TotalBytesSent uint64      `json:"totalbytessent"`
	TimeMillis     int64       `json:"timemillis"`
	UploadTarget   uploadState `json:"uploadtarget"`
}

// uploadState is getnettotals' uploadtarget: we have no -maxuploadtarget.
type uploadState struct {
	Timeframe             int64 `json:"timeframe"`
	Target                int64 `json:"target"`
	TargetReached         bool  `json:"target_reached"`
	ServeHistoricalBlocks bool  `json:"serve_historical_blocks"`
	BytesLeftInCycle      int64 `json:"bytes_left_in_cycle"`
	TimeLeftInCycle       int64 `json:"time_left_in_cycle"`
}

func getNetTotals(_ context.Context, s *Server, _ args) (any, error) {
	out := netTotals{
		TimeMillis:   s.cfg.Backend.Clock().UnixMilli(),
		UploadTarget: uploadState{Timeframe: 86400, ServeHistoricalBlocks: true},
	}
	r, err := s.ask(s.cfg.Backend.IO, func(to *actor.PID) any { return &transport.GetStats{ReplyTo: to} })
	if err != nil {
		return nil, err
	}
	if st, ok := r.(*transport.Stats); ok {
		out.TotalBytesRecv, out.TotalBytesSent = st.BytesRead, st.BytesWritten
	}
	return out, nil
}

func getNetworkInfo(_ context.Context, s *Server, _ args) (any, error) {
	b := &s.cfg.Backend
	info, err := nodeinfo.Network(b.Root, b.ConnMgr, b.Identity, b.Timeout)
	if err != nil {
		return nil, errorf(CodeInternalError, "%v", err)
	}
	return info, nil
}

func getPeerInfo(_ context.Context, s *Server, _ args) (any, error) {
	b := &s.cfg.Backend
	infos, err := nodeinfo.Peers(b.Root, b.ConnMgr, b.Timeout)
	if err != nil {
		return nil, errorf(CodeInternalError, "%v", err)
	}
	nodeinfo.AddChainState(b.Root, b.Chain, infos, b.Timeout)
	if infos == nil {
		infos = []*peer.Info{}
	}
	return infos, nil
}

func addNode(_ context.Context, s *Server, a args) (any, error) {
	node, command := a.str(0), a.str(1)
	switch command {
	case connmgr.AddNodeAdd, connmgr.AddNodeRemove, connmgr.AddNodeOneTry:
	default:
		return nil, errorf(CodeMiscError, "%s", s.methods["addnode"].help)
	}
	// Core's default is -v2transport: v2 first when the node announces
	// NODE_P2P_V2; asking for it without is an error.
	enabled := s.cfg.Backend.Identity.Services&protocol.SFNodeP2PV2 != 0
	useV2 := a.boolean(2, enabled)
	if useV2 && !enabled {
		return nil, errorf(CodeInvalidParameter, "Error: v2transport requested but not enabled (see -v2transport)")
	}
	if command != connmgr.AddNodeRemove {
		// The check -addnode and -connect get in the configuration.
		if _, _, err := protocol.SplitHostPort(node); err != nil {
			return nil, errorf(CodeInvalidParameter, "Error: %v", err)
		}
	}
	r, err := s.ask(s.cfg.Backend.ConnMgr, func(to *actor.PID) any {
		return &connmgr.AddNode{Addr: node, Command: command, ReplyTo: to, V1: !useV2}
	})
	if err != nil {
		return nil, err
	}
	switch err := r.(*connmgr.AddNodeReply).Err; {
	case err == nil:
		return nil, nil
	case errors.Is(err, connmgr.ErrNodeAdded):
		return nil, errorf(CodeClientNodeAlreadyAdded, "Error: Node already added")
	case errors.Is(err, connmgr.ErrNodeNotAdded):
		return nil, errorf(CodeClientNodeNotAdded, "Error: Node could not be removed. It has not been added previously.")
	default:
		return nil, errorf(CodeInvalidParameter, "Error: %v", err)
	}
}

func disconnectNode(_ context.Context, s *Server, a args) (any, error) {
	msg := &connmgr.DisconnectNode{}
	switch {
	case a.given(0) && !a.given(1):
		if a.str(0) == "" {
			return nil, errorf(CodeClientNodeNotConnected, "Node not found in connected nodes")
		}
		msg.Addr = a.str(0)
	case a.given(1) && (!a.given(0) || a.str(0) == ""):
		id, rerr := a.integer(1, 0)
		if rerr != nil {
			return nil, rerr
		}
		if id < 0 {
			return nil, errorf(CodeClientNodeNotConnected, "Node not found in connected nodes")
		}
		msg.ID = uint64(id)
	default:
		return nil, errorf(CodeInvalidParams, "Only one of address and nodeid should be provided.")
	}
	r, err := s.ask(s.cfg.Backend.ConnMgr, func(to *actor.PID) any { msg.ReplyTo = to; return msg })
	if err != nil {
		return nil, err
	}
	if r.(*connmgr.DisconnectNodeReply).Err != nil {
		return nil, errorf(CodeClientNodeNotConnected, "Node not found in connected nodes")
	}
	return nil, nil
}

// addedNodeInfo is one entry of getaddednodeinfo.
type addedNodeInfo struct {
	AddedNode string           `json:"addednode"`
	Connected bool             `json:"connected"`
	Addresses []addedNodeAddrs `json:"addresses"`
}

type addedNodeAddrs struct {
	Address   string `json:"address"`
	Connected string `json:"connected"`
}

func getAddedNodeInfo(_ context.Context, s *Server, a args) (any, error) {
	r, err := s.ask(s.cfg.Backend.ConnMgr, func(to *actor.PID) any { return &connmgr.GetAddedNodes{ReplyTo: to} })
	if err != nil {
		return nil, err
	}
	out := []addedNodeInfo{}
	for _, n := range r.(*connmgr.AddedNodes).List {
		if a.given(0) && n.Name != a.str(0) {
			continue
		}
		e := addedNodeInfo{AddedNode: n.Name, Connected: n.Connected, Addresses: []addedNodeAddrs{}}
		if n.Connected {
			e.Addresses = append(e.Addresses, addedNodeAddrs{Address: n.Addr.String(), Connected: "outbound"})
		}
		out = append(out, e)
	}
	if a.given(0) && len(out) == 0 {
		return nil, errorf(CodeClientNodeNotAdded, "Error: Node has not been added.")
	}
	return out, nil
}

// banSubnet reads setban's first argument as Core does: with a "/" it is
// a subnet (LookupSubNet), without one an address that must be valid
// (so "0.0.0.0" is refused). Our ban list holds IP subnets only, so a Tor,
// I2P or CJDNS address is refused too, where Core would ban it.
func banSubnet(s string) (netip.Prefix, bool) {
	sub, err := netaddr.ParseSubnet(s)
	if err != nil || (!strings.Contains(s, "/") && !sub.Network().IsValid()) {
		return netip.Prefix{}, false
	}
	return sub.Prefix()
}

func (s *Server) bans() ([]connmgr.BanEntry, error) {
	r, err := s.ask(s.cfg.Backend.ConnMgr, func(to *actor.PID) any { return &connmgr.ListBans{ReplyTo: to} })
	if err != nil {
		return nil, err
	}
	return r.(*connmgr.Bans).List, nil
}

func setBan(_ context.Context, s *Server, a args) (any, error) {
	command := a.str(1)
	if command != "add" && command != "remove" {
		return nil, errorf(CodeMiscError, "%s", s.methods["setban"].help)
	}
	subnet, ok := banSubnet(a.str(0))
	if !ok {
		return nil, errorf(CodeClientInvalidIPOrSubnet, "Error: Invalid IP/Subnet")
	}
	bans, err := s.bans()
	if err != nil {
		return nil, err
	}
	banned := slices.ContainsFunc(bans, func(b connmgr.BanEntry) bool { return b.Subnet == subnet })
	b := &s.cfg.Backend
	if command == "remove" {
		if !banned {
			return nil, errorf(CodeClientInvalidIPOrSubnet, "Error: Unban failed. Requested address/subnet was not previously manually banned.")
		}
		b.Root.Send(b.ConnMgr, &connmgr.Unban{Subnet: subnet})
		return nil, nil
	}
	if banned {
		return nil, errorf(CodeClientNodeAlreadyAdded, "Error: IP/Subnet already banned")
	}
	bantime, rerr := a.integer(2, 0)
	if rerr != nil {
		return nil, rerr
	}
	until, rerr := banUntil(b.Clock(), bantime, a.boolean(3, false))
	if rerr != nil {
		return nil, rerr
	}
	b.Root.Send(b.ConnMgr, &connmgr.Ban{Subnet: subnet, Until: until})
	return nil, nil
}

// banUntil is the end of a ban asked for with setban's bantime and
// absolute, computed as Core's setban and BanMan::Ban do, in int64 seconds:
// an absolute time in the past fails; a bantime of 0 or less (when not
// absolute) gives the zero time, which is connmgr's default ban time.
// Core adds the offset to the current time without a check; a sum past
// int64 fails here with the error Core gives a number outside int64.
func banUntil(now time.Time, bantime int64, absolute bool) (time.Time, *Error) {
	nowSec := now.Unix()
	switch {
	case absolute && bantime < nowSec:
		return time.Time{}, errorf(CodeInvalidParameter, "Error: Absolute timestamp is in the past")
	case absolute:
		return time.Unix(bantime, 0), nil
	case bantime <= 0:
		return time.Time{}, nil
	case bantime > math.MaxInt64-nowSec:
		return time.Time{}, errorf(CodeMiscError, "JSON integer out of range")
	}
	return time.Unix(nowSec+bantime, 0), nil
}

// banInfo is one entry of listbanned.
type banInfo struct {
	Address       string `json:"address"`
	BanCreated    int64  `json:"ban_created"`
	BannedUntil   int64  `json:"banned_until"`
	BanDuration   int64  `json:"ban_duration"`
	TimeRemaining int64  `json:"time_remaining"`
}

func listBanned(_ context.Context, s *Server, _ args) (any, error) {
	bans, err := s.bans()
	if err != nil {
		return nil, err
	}
	now := s.cfg.Backend.Clock().Unix()
	out := make([]banInfo, 0, len(bans))
	for _, b := range bans {
		out = append(out, banInfo{
			Address:       b.Subnet.String(),
			BanCreated:    b.Since.Unix(),
			BannedUntil:   b.Until.Unix(),
			BanDuration:   b.Until.Unix() - b.Since.Unix(),
			TimeRemaining: max(0, b.Until.Unix()-now),
		})
	}
	return out, nil
}

func clearBanned(_ context.Context, s *Server, _ args) (any, error) {
	b := &s.cfg.Backend
	b.Root.Send(b.ConnMgr, &connmgr.ClearBans{})
	return nil, nil
}

// nodeAddress is one entry of getnodeaddresses.
type nodeAddress struct {
	Time     int64  `json:"time"`
	Services uint64 `json:"services"`
	Address  string `json:"address"`
	Port     uint16 `json:"port"`
	Network  string `json:"network"`
}

func getNodeAddresses(_ context.Context, s *Server, a args) (any, error) {
	count, rerr := a.integer(0, 1)
	if rerr != nil {
		return nil, rerr
	}
	if count < 0 {
		return nil, errorf(CodeInvalidParameter, "Address count out of range")
	}
	network := a.str(1)
	if a.given(1) && !slices.Contains([]string{"ipv4", "ipv6", "onion", "i2p", "cjdns"}, network) {
		return nil, errorf(CodeInvalidParameter, "Network not recognized: %s", network)
	}
	r, err := s.ask(s.cfg.Backend.AddrBook, func(to *actor.PID) any { return &addrbook.GetAddrs{ReplyTo: to} })
	if err != nil {
		return nil, err
	}
	out := []nodeAddress{}
	for _, e := range r.(*addrbook.Addrs).List {
		if network != "" && e.Network != network {
			continue
		}
		host := e.Host
		if e.Addr.IsValid() {
			host = e.Addr.Addr().Unmap().String()
		}
		out = append(out, nodeAddress{
			Time: e.LastSeen.Unix(), Services: uint64(e.Services),
			Address: host, Port: e.Addr.Port(), Network: e.Network,
		})
	}
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	if count > 0 && int64(len(out)) > count {
		out = out[:count]
	}
	return out, nil
}

func pingAll(_ context.Context, s *Server, _ args) (any, error) {
	peers, err := s.peerTable()
	if err != nil {
		return nil, err
	}
	for _, p := range peers.List {
		if p.PID != nil && p.Handshaken {
			s.cfg.Backend.Root.Send(p.PID, &peer.Ping{})
		}
	}
	return nil, nil
}

func uptime(_ context.Context, s *Server, _ args) (any, error) {
	return int64(s.cfg.Backend.Clock().Sub(s.cfg.Backend.Started).Seconds()), nil
}

func stop(_ context.Context, s *Server, _ args) (any, error) {
	s.cfg.Backend.Stop()
	return "actornode stopping", nil
}

func help(_ context.Context, s *Server, a args) (any, error) {
	if a.given(0) {
		m, ok := s.methods[a.str(0)]
		if !ok {
			return "help: unknown command: " + a.str(0), nil
		}
		return m.help, nil
	}
	byCategory := map[string][]string{}
	for _, m := range s.methods {
		byCategory[m.category] = append(byCategory[m.category], m.usage())
	}
	categories := make([]string, 0, len(byCategory))
	for c := range byCategory {
		categories = append(categories, c)
	}
	sort.Strings(categories)
	var b strings.Builder
	for i, c := range categories {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "== %s ==\n", c)
		lines := byCategory[c]
		sort.Strings(lines)
		for _, l := range lines {
			b.WriteString(l + "\n")
		}
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
