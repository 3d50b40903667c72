package nat_test

import (
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	natpmplib "github.com/jackpal/go-nat-pmp"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/nat"
	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/transport/portmap"
)

// These tests run the node behind miniupnpd in network namespaces (see
// harness_test.go). Each builds its own namespaces; each wait is bounded.

var regtest = func() protocol.Params {
	p, err := protocol.Network("regtest")
	if err != nil {
		panic(err)
	}
	return p
}()

func mappedTo(proto portmap.Protocol) func(*nat.Status) bool {
	return func(st *nat.Status) bool {
		return st.Protocol == proto && st.External.IsValid() && (st.State == "mapped" || st.State == "renewing")
	}
}

// dialFromWAN connects a scripted remote node from the "internet" to the
// gateway's WAN address and port.
func dialFromWAN(t *testing.T, n *testNet, port uint16) *actortest.Remote {
	t.Helper()
	var r *actortest.Remote
	withNetns(t, n.wan, func() {
		r = actortest.DialTCP(t, netip.AddrPortFrom(gwWANIP, port).String(), regtest.Magic)
	})
	return r
}

// hasInboundFrom tells whether the node has a handshaken inbound peer from
// ip.
func (nd *node) hasInboundFrom(t *testing.T, ip netip.Addr) bool {
	t.Helper()
	var peers []struct {
		Addr    string `json:"addr"`
		Inbound bool   `json:"inbound"`
	}
	if err := nd.get("/debug/peers", &peers); err != nil {
		return false
	}
	for _, p := range peers {
		if ap, err := netip.ParseAddrPort(p.Addr); err == nil && p.Inbound && ap.Addr() == ip {
			return true
		}
	}
	return false
}

// checkMappedEndToEnd checks what every protocol must give: the external
// address advertised as ours, the DNAT rule in the gateway, a version
// handshake from the internet through it, a renewal, and after shutdown
// no rule left.
func checkMappedEndToEnd(t *testing.T, n *testNet, nd *node, proto portmap.Protocol) {
	t.Helper()
	st := nd.waitStatus(t, 15*time.Second, string(proto)+" mapping", mappedTo(proto))
	if st.External.Addr() != publicIP || st.InternalPort != nodePort || st.Gateway != gwLANIP {
		t.Fatalf("status %+v: want external 1.2.3.4, internal port %d, gateway %s", st, nodePort, gwLANIP)
	}
	found := false
	for _, l := range st.LocalAddrs {
		found = found || (l.Addr == st.External && l.Source == string(proto))
	}
	if !found {
		t.Fatalf("external address %s not among our local addresses %+v", st.External, st.LocalAddrs)
	}
	ext := st.External.Port()
	if !n.hasDNAT(t, ext) {
		t.Fatalf("no DNAT rule for port %d in the gateway:\n%s", ext, n.ruleset(t))
	}

	r := dialFromWAN(t, n, ext)
	theirs := r.Handshake(t, nil)
	if !strings.HasPrefix(theirs.UserAgent, "/actornode:") {
		t.Fatalf("handshake through the NAT answered by %q", theirs.UserAgent)
	}
	eventually(t, 5*time.Second, "inbound peer from the internet namespace", func() bool {
		return nd.hasInboundFrom(t, wanIP)
	})

	// Lifetime 4s: renewed after 2s.
	nd.waitStatus(t, 10*time.Second, "a renewal", func(st *nat.Status) bool { return st.Renewals >= 1 })
	if !n.hasDNAT(t, ext) {
		t.Fatal("DNAT rule gone after the renewal")
	}

	nd.stop(t)
	if n.hasDNAT(t, ext) {
		t.Fatalf("DNAT rule for port %d still there after shutdown:\n%s", ext, n.ruleset(t))
	}
	if !nd.logContains("port mapping deleted", string(proto)) {
		t.Fatalf("no \"port mapping deleted\" line for %s in the node's log", proto)
	}
}

func TestPCPMapsThroughGateway(t *testing.T) {
	n := newTestNet(t, gwOptions{extIP: publicIP.String()})
	nd := startNode(t, n, "-natpmp=1", "-natpmpgateway="+gwLANIP.String(), "-portmaplifetime=4s")
	checkMappedEndToEnd(t, n, nd, portmap.PCP)
}

// The default route's gateway is used when -natpmpgateway is not given.
func TestNATPMPWhenPCPGetsNoAnswer(t *testing.T) {
	n := newTestNet(t, gwOptions{extIP: publicIP.String(), nft: []string{"drop-pcp.nft"}})
	nd := startNode(t, n, "-natpmp=1", "-portmaplifetime=4s")
	checkMappedEndToEnd(t, n, nd, portmap.NATPMP)
	if !nd.logContains("port mapping failed", "pcp", "did not answer", "trying natpmp") {
		t.Fatal("the PCP timeout and the fallback are not logged")
	}
}

// A gateway that restarts loses its mappings; the epoch of the next
// renewal shows it, and the renewal makes the mapping again.
func TestGatewayRestartIsNoticed(t *testing.T) {
	o := gwOptions{extIP: publicIP.String()}
	n := newTestNet(t, o)
	nd := startNode(t, n, "-natpmp=1", "-natpmpgateway="+gwLANIP.String(), "-portmaplifetime=4s")
	// Two renewals first, so the epoch has run a few seconds and a restart
	// sets it clearly back.
	nd.waitStatus(t, 15*time.Second, "two renewals", func(st *nat.Status) bool {
		return mappedTo(portmap.PCP)(st) && st.Renewals >= 2
	})
	n.stopDaemon(t)
	n.startDaemon(t, o)
	st := nd.waitStatus(t, 10*time.Second, "the restart noticed", func(st *nat.Status) bool { return st.GatewayRestarts >= 1 })
	if !n.hasDNAT(t, st.External.Port()) {
		t.Fatalf("no DNAT rule for %d after the gateway restart:\n%s", st.External.Port(), n.ruleset(t))
	}
	if !nd.logContains("gateway restarted") {
		t.Fatal("the restart is not logged")
	}
	dialFromWAN(t, n, st.External.Port()).Handshake(t, nil)
}

func TestNATPMPWhenPCPUnsupportedVersion(t *testing.T) {
	n := newTestNet(t, gwOptions{extIP: publicIP.String(), nft: []string{"redirect-pcp.nft"}})
	// Answer PCP as a NAT-PMP-only gateway does: version 0, result 1.
	var pc *net.UDPConn
	withNetns(t, n.gw, func() {
		var err error
		pc, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(gwLANIP, 5399)))
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1100)
		for {
			n, from, err := pc.ReadFromUDP(buf)
			if err != nil {
				return
			}
			if n >= 2 {
				_, _ = pc.WriteToUDP([]byte{0, 0x80 | buf[1], 0, 1, 0, 0, 0, 0}, from)
			}
		}
	}()
	nd := startNode(t, n, "-natpmp=1", "-natpmpgateway="+gwLANIP.String())
	st := nd.waitStatus(t, 10*time.Second, "natpmp mapping", mappedTo(portmap.NATPMP))
	if !strings.Contains(st.LastError, "version 0") || st.Failures != 1 {
		t.Fatalf("status %+v: want one PCP failure naming the version-0 answer", st)
	}
	if !n.hasDNAT(t, st.External.Port()) {
		t.Fatalf("no DNAT rule for %d", st.External.Port())
	}
}

func TestUPnPMapsThroughGateway(t *testing.T) {
	n := newTestNet(t, gwOptions{extIP: publicIP.String(), upnp: true})
	nd := startNode(t, n, "-upnp=1", "-portmaplifetime=4s")
	checkMappedEndToEnd(t, n, nd, portmap.UPnP)
}

// TestMappedPortDiffersIsOurAddress: when the gateway maps another
// external port than ours, the mapped address and port become our own
// address (getnetworkinfo's localaddresses), the one the node will
// advertise once it leaves initial block download (Core never announces
// itself during it, and a node of headers only stays in it).
func TestMappedPortDiffersIsOurAddress(t *testing.T) {
	n := newTestNet(t, gwOptions{extIP: publicIP.String()})
	// Another host on the LAN holds external port 18444.
	withNetns(t, n.lan, func() {
		c := natpmplib.NewClientWithLocalAndTimeout(gwLANIP.AsSlice(), lanIP2.AsSlice(), 3*time.Second)
		res, err := c.AddPortMapping("tcp", nodePort, nodePort, 600)
		if err != nil || res.MappedExternalPort != nodePort {
			t.Fatalf("other host's mapping: %+v, %v", res, err)
		}
	})
	nd := startNode(t, n, "-natpmp=1", "-natpmpgateway="+gwLANIP.String())
	st := nd.waitStatus(t, 10*time.Second, "pcp mapping", mappedTo(portmap.PCP))
	ext := st.External
	if ext.Port() == nodePort {
		t.Fatalf("mapped port %d: want another than the one held", ext.Port())
	}
	if !n.hasDNAT(t, ext.Port()) {
		t.Fatalf("no DNAT rule for %d:\n%s", ext.Port(), n.ruleset(t))
	}
	dialFromWAN(t, n, ext.Port()).Handshake(t, nil)

	var info struct {
		LocalAddresses []localAddress `json:"localaddresses"`
	}
	actortest.Eventually(t, 10*time.Second, "the mapped "+ext.String()+" among our addresses", func() bool {
		if err := nd.get("/debug/net", &info); err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(info.LocalAddresses, func(a localAddress) bool {
			return a.Address == ext.Addr().String() && a.Port == ext.Port()
		})
	})
}

// localAddress is one of getnetworkinfo's localaddresses, as /debug/net
// shows them.
type localAddress struct {
	Address string `json:"address"`
	Port    uint16 `json:"port"`
}

func TestGatewayWithoutPublicAddress(t *testing.T) {
	n := newTestNet(t, gwOptions{upnp: true}) // no ext_ip: the WAN address is reserved
	nd := startNode(t, n, "-natpmp=1", "-upnp=1", "-natpmpgateway="+gwLANIP.String())
	st := nd.waitStatus(t, 20*time.Second, "a round of three failures", func(st *nat.Status) bool {
		return st.Failures >= 3 && st.State == "idle"
	})
	if !strings.Contains(st.LastError, "no public address") || st.External.IsValid() {
		t.Fatalf("status %+v: want the no-public-address error and no mapping", st)
	}
	// miniupnpd 2.3.1 answers PCP with NO_RESOURCES here, NAT-PMP with
	// result code 3 and UPnP with an empty external address.
	if !nd.logContains("port mapping failed", `"protocol": "pcp"`, "result code", "meaning") {
		t.Error("no clear PCP failure logged")
	}
	for _, proto := range []string{"natpmp", "upnp"} {
		if !nd.logContains("port mapping failed", `"protocol": "`+proto+`"`, "gateway has no public address") {
			t.Errorf("no clear no-public-address failure logged for %s", proto)
		}
	}
	if !nd.logContains("result code 3") {
		t.Error("NAT-PMP's result code 3 not in the log")
	}
	// The node keeps serving: a LAN neighbour (the gateway) connects.
	var r *actortest.Remote
	withNetns(t, n.gw, func() {
		r = actortest.DialTCP(t, netip.AddrPortFrom(lanIP, nodePort).String(), regtest.Magic)
	})
	r.Handshake(t, nil)
}

func TestNoGateway(t *testing.T) {
	n := newTestNet(t, gwOptions{noDaemon: true, noDefaultRoute: true})
	t.Run("no default route", func(t *testing.T) {
		// Both protocols fail for want of a gateway, without asking
		// anybody: the error says so (the wait is only a failure bound).
		nd := startNode(t, n, "-natpmp=1")
		st := nd.waitStatus(t, 20*time.Second, "failure", func(st *nat.Status) bool { return st.Failures >= 2 })
		if !strings.Contains(st.LastError, "no gateway found") || !strings.Contains(st.LastError, "default route") {
			t.Fatalf("last error %q: want no gateway found, no default route", st.LastError)
		}
		nd.stop(t)
	})
	t.Run("nothing answers", func(t *testing.T) {
		start := time.Now()
		nd := startNode(t, n, "-natpmp=1", "-natpmpgateway=198.51.100.9")
		st := nd.waitStatus(t, 15*time.Second, "both protocols failed", func(st *nat.Status) bool {
			return st.Failures >= 2 && st.State == "idle"
		})
		if st.LastError == "" || st.External.IsValid() {
			t.Fatalf("status %+v", st)
		}
		t.Logf("no gateway: %q after %v", st.LastError, time.Since(start).Round(time.Millisecond))
		nd.stop(t)
	})
}
