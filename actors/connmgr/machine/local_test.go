package machine

import (
	"net/netip"
	"testing"
)

// listeningMachine is a machine listening on 0.0.0.0:8333 with an inbound
// peer 0 whose connection's local end is 192.168.1.5:8333.
func listeningMachine(t *testing.T) *Machine {
	t.Helper()
	m := newTest(Config{Listen: true, AddrBook: true})
	m.Start(t0, nil)
	m.Listening(t0, ap("0.0.0.0:8333"), ap("0.0.0.0:8333"), nil, nil)
	m.Accepted(t0, 1, ap("8.8.8.8:50000"), ap("192.168.1.5:8333"), nil)
	m.Spawned(t0, 0, "peer-0", nil)
	return m
}

// announced is our address as peer 0's handshake makes the machine tell
// the address book, when the peer says it sees us at seen.
func announced(t *testing.T, m *Machine, seen string) netip.AddrPort {
	t.Helper()
	hs := Handshake{}
	if seen != "" {
		hs.AddrRecv = netip.MustParseAddr(seen)
	}
	return find(t, m.Handshaken(t0, 0, hs, nil), ReportConnected).Local
}

func TestAdvertisablePrecedence(t *testing.T) {
	type local struct {
		addr, source string
	}
	tests := []struct {
		name   string
		locals []local
		seen   string // what the peer says it sees us at
		want   string
	}{
		{name: "peer's view", seen: "5.6.7.8", want: "5.6.7.8:8333"},
		{name: "socket's local end", want: "192.168.1.5:8333"},
		{name: "mapped beats peer's view, with its own port",
			locals: []local{{"1.2.3.4:8334", "natpmp"}}, seen: "5.6.7.8", want: "1.2.3.4:8334"},
		{name: "manual beats mapped; port 0 is the listening port",
			locals: []local{{"1.2.3.4:8334", "pcp"}, {"9.9.9.9:0", LocalManual}},
			seen:   "5.6.7.8", want: "9.9.9.9:8333"},
		{name: "interface address loses to the peer's view",
			locals: []local{{"7.7.7.7:0", LocalInterface}}, seen: "5.6.7.8", want: "5.6.7.8:8333"},
		{name: "interface address beats the socket's local end",
			locals: []local{{"7.7.7.7:0", LocalInterface}}, want: "7.7.7.7:8333"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := listeningMachine(t)
			for _, l := range tt.locals {
				m.SetLocalAddr(ap(l.addr), l.source, nil)
			}
			if got := announced(t, m, tt.seen); got != ap(tt.want) {
				t.Fatalf("announced %v, want %s", got, tt.want)
			}
		})
	}
}

func TestLocalAddrsListAndRemove(t *testing.T) {
	m := listeningMachine(t)
	m.SetLocalAddr(ap("7.7.7.7:0"), LocalInterface, nil)
	m.SetLocalAddr(ap("[::ffff:1.2.3.4]:8334"), "upnp", nil)
	m.SetLocalAddr(ap("0.0.0.0:1"), "pcp", nil) // unusable
	got := m.LocalAddrs()
	want := []LocalAddr{
		{Addr: ap("1.2.3.4:8334"), Source: "upnp", Score: ScoreMapped},
		{Addr: ap("7.7.7.7:8333"), Source: LocalInterface, Score: ScoreInterface},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("local addresses %+v, want %+v", got, want)
	}
	m.RemoveLocalAddr(ap("1.2.3.4:8334"), nil)
	if got := m.LocalAddrs(); len(got) != 1 || got[0].Source != LocalInterface {
		t.Fatalf("after remove: %+v", got)
	}
}

func TestNothingAnnouncedWhileNotListening(t *testing.T) {
	m := newTest(Config{AddrBook: true})
	m.Start(t0, nil)
	m.SetLocalAddr(ap("9.9.9.9:0"), LocalManual, nil)
	m.Accepted(t0, 1, ap("8.8.8.8:50000"), ap("192.168.1.5:8333"), nil)
	m.Spawned(t0, 0, "peer-0", nil)
	if got := announced(t, m, "5.6.7.8"); got.IsValid() {
		t.Fatalf("announced %v while not listening", got)
	}
}

func TestListenFailureReported(t *testing.T) {
	m := newTest(Config{Listen: true, Bind: []netip.AddrPort{ap("127.0.0.1:1"), ap("127.0.0.2:2")}})
	runRounds(t, m, []round{
		{in: []input{start()}, want: []string{"listen 127.0.0.1:1", "listen 127.0.0.2:2"}},
	})
	if l := m.Listeners(); l.Ready {
		t.Fatal("ready before io answered")
	}
	m.Listening(t0, ap("127.0.0.1:1"), ap("127.0.0.1:1"), nil, nil)
	out := m.Listening(t0, ap("127.0.0.2:2"), netip.AddrPort{}, errRefused, nil)
	if f := find(t, out, ListenFailed); f.Addr != ap("127.0.0.2:2") || f.Err != errRefused {
		t.Fatalf("listen failure %+v", f)
	}
	if l := m.Listeners(); !l.Ready || len(l.Addrs) != 1 || l.Err == nil {
		t.Fatalf("listeners %+v", l)
	}
}

func TestParseNode(t *testing.T) {
	for _, tt := range []struct {
		name, addr, host string
		port             uint16
		bad              bool
	}{
		{name: "1.2.3.4", addr: "1.2.3.4:8333"},
		{name: "1.2.3.4:99", addr: "1.2.3.4:99"},
		{name: "[::ffff:1.2.3.4]:99", addr: "1.2.3.4:99"},
		{name: "::1", addr: "[::1]:8333"},
		{name: "seed.example", host: "seed.example", port: 8333},
		{name: "seed.example:18444", host: "seed.example", port: 18444},
		{name: "[seed.example]:5", host: "seed.example", port: 5},
		{name: "seed.example:0", bad: true},
		{name: "seed.example:x", bad: true},
		{name: ":8333", bad: true},
	} {
		a, host, port, err := ParseNode(tt.name, 8333)
		switch {
		case tt.bad:
			if err == nil {
				t.Errorf("%q: no error", tt.name)
			}
		case err != nil:
			t.Errorf("%q: %v", tt.name, err)
		case tt.addr != "" && a != ap(tt.addr):
			t.Errorf("%q: address %v, want %s", tt.name, a, tt.addr)
		case tt.host != "" && (host != tt.host || port != tt.port):
			t.Errorf("%q: host %q port %d, want %q %d", tt.name, host, port, tt.host, tt.port)
		}
	}
}

// TestConnectedCarriesLocalSocket: the address book hears the connection's
// local end, which keys its getaddr answer cache as Core's does.
func TestConnectedCarriesLocalSocket(t *testing.T) {
	m := listeningMachine(t)
	if got := find(t, m.Handshaken(t0, 0, Handshake{}, nil), ReportConnected).Socket; got != ap("192.168.1.5:8333") {
		t.Fatalf("socket %v, want the connection's local end 192.168.1.5:8333", got)
	}
}
