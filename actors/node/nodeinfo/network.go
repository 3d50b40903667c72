package nodeinfo

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/protocol/netaddr"
)

// Identity is what a node says about itself in getnetworkinfo.
type Identity struct {
	// Version is the release as Core encodes it: 10000*major + 100*minor +
	// patch.
	Version int
	// SubVersion is the user agent, "/actornode:0.1.0/".
	SubVersion string
	// ProtocolVersion is the P2P protocol version we speak.
	ProtocolVersion uint32
	// Services are the service bits we announce.
	Services protocol.ServiceFlag
	// Relay is whether we ask peers to relay transactions.
	Relay bool
}

// NetworkInfo is the answer of Core's getnetworkinfo, field for field.
type NetworkInfo struct {
	Version            int            `json:"version"`
	SubVersion         string         `json:"subversion"`
	ProtocolVersion    uint32         `json:"protocolversion"`
	LocalServices      string         `json:"localservices"`
	LocalServicesNames []string       `json:"localservicesnames"`
	LocalRelay         bool           `json:"localrelay"`
	TimeOffset         int64          `json:"timeoffset"`
	NetworkActive      bool           `json:"networkactive"`
	Connections        int            `json:"connections"`
	ConnectionsIn      int            `json:"connections_in"`
	ConnectionsOut     int            `json:"connections_out"`
	Networks           []Reachability `json:"networks"`
	RelayFee           float64        `json:"relayfee"`
	IncrementalFee     float64        `json:"incrementalfee"`
	LocalAddresses     []LocalAddress `json:"localaddresses"`
	Warnings           []string       `json:"warnings"`
}

// Reachability is one entry of getnetworkinfo's networks.
type Reachability struct {
	Name                      string `json:"name"`
	Limited                   bool   `json:"limited"`
	Reachable                 bool   `json:"reachable"`
	Proxy                     string `json:"proxy"`
	ProxyRandomizeCredentials bool   `json:"proxy_randomize_credentials"`
}

// LocalAddress is one entry of getnetworkinfo's localaddresses.
type LocalAddress struct {
	Address string `json:"address"`
	Port    uint16 `json:"port"`
	Score   int    `json:"score"`
}

// minRelayFee is Core's DEFAULT_MIN_RELAY_TX_FEE and
// DEFAULT_INCREMENTAL_RELAY_FEE, in BTC/kvB, reported as Core does; we
// relay no transactions yet.
const minRelayFee = 0.00001

// Network gathers getnetworkinfo: the connection counts from connmgr's peer
// table, our own addresses from connmgr, and id.
func Network(root *actor.RootContext, connMgr *actor.PID, id Identity, timeout time.Duration) (*NetworkInfo, error) {
	deadline := time.Now().Add(timeout)
	reply, err := inspect.Ask(root, connMgr, func(to *actor.PID) any {
		return &connmgr.GetPeers{ReplyTo: to}
	}, timeout)
	if err != nil {
		return nil, fmt.Errorf("network info: ask connmgr for peers: %w", err)
	}
	info := &NetworkInfo{
		Version:            id.Version,
		SubVersion:         id.SubVersion,
		ProtocolVersion:    id.ProtocolVersion,
		LocalServices:      fmt.Sprintf("%016x", uint64(id.Services)),
		LocalServicesNames: id.Services.Names(),
		LocalRelay:         id.Relay,
		NetworkActive:      true,
		Networks: []Reachability{
			{Name: "ipv4", Reachable: true},
			{Name: "ipv6", Reachable: true},
			{Name: "onion", Limited: true},
			{Name: "i2p", Limited: true},
			{Name: "cjdns", Limited: true},
		},
		RelayFee:       minRelayFee,
		IncrementalFee: minRelayFee,
		LocalAddresses: []LocalAddress{},
		Warnings:       []string{},
	}
	if info.LocalServicesNames == nil {
		info.LocalServicesNames = []string{}
	}
	for _, p := range reply.(*connmgr.Peers).List {
		if p.Inbound {
			info.ConnectionsIn++
		} else {
			info.ConnectionsOut++
		}
	}
	info.Connections = info.ConnectionsIn + info.ConnectionsOut

	reply, err = inspect.Ask(root, connMgr, func(to *actor.PID) any {
		return &connmgr.GetLocalAddrs{ReplyTo: to}
	}, time.Until(deadline))
	if err != nil {
		return nil, fmt.Errorf("network info: ask connmgr for local addresses: %w", err)
	}
	for _, a := range reply.(*connmgr.LocalAddrs).List {
		info.LocalAddresses = append(info.LocalAddresses, LocalAddress{
			Address: a.Addr.Addr().Unmap().String(), Port: a.Addr.Port(), Score: a.Score,
		})
	}
	return info, nil
}

// NetworkClass is Core's name for the network of addr in getpeerinfo's
// "network" (ConnectedThroughNetwork, netaddr's NetClass): "ipv4" (also
// for IPv6 that carries IPv4: 6to4, Teredo, NAT64), "ipv6" or
// "not_publicly_routable"; "" for no address.
func NetworkClass(addr netip.Addr) string {
	if !addr.IsValid() {
		return ""
	}
	return netaddr.FromIP(addr).NetClass().String()
}
