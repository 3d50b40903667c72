package node_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/node"
	"github.com/actornode/actornode/actors/node/nodetest"
	"github.com/actornode/actornode/actors/peer"
)

// Each bad value is refused with the key and the problem named: a key
// given twice (yaml would let the last one win), buffer sizes whose bytes
// do not fit Core's 32-bit limits, a number past int, a peer address the
// addnode RPC would refuse too, an unknown -debug category (Core:
// "Unsupported logging category -debug=%s.").
func TestConfigFaultsNameTheKeyAndTheProblem(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string // "" yaml: valid
	}{
		{"key given twice", "maxconnections: 10\nport: 18444\nmaxconnections: 20\n",
			[]string{"line 3", "config maxconnections:", "given twice (first on line 1)"}},
		{"list key given twice", "addnode: [1.2.3.4]\naddnode: [5.6.7.8]\n",
			[]string{"line 2", "config addnode:", "given twice (first on line 1)"}},
		{"receive buffer 0", "maxreceivebuffer: 0\n", []string{"config maxreceivebuffer:", "0 KB is outside 1..4294967"}},
		{"receive buffer past 32 bits", "maxreceivebuffer: 4294968\n", []string{"config maxreceivebuffer:", "4294968 KB is outside 1..4294967"}},
		{"receive buffer past int", "maxreceivebuffer: 99999999999999999999\n", []string{"config maxreceivebuffer:", "99999999999999999999 is out of range"}},
		{"send buffer negative", "maxsendbuffer: -1\n", []string{"config maxsendbuffer:", "-1 KB is outside 1..4294967"}},
		{"send buffer past 32 bits", "maxsendbuffer: 9223372036854775\n", []string{"config maxsendbuffer:", "outside 1..4294967"}},
		{"largest buffers", "maxreceivebuffer: 4294967\nmaxsendbuffer: 4294967\n", nil},
		{"unknown debug category", "debug: [net, frobnicate]\n", []string{"config debug:", "unsupported logging category -debug=frobnicate"}},
		{"debug categories", "debug: [NET, addrman, msg, node, actor]\n", nil},
		{"debug all", "debug: [all]\n", nil},
		{"debug 1", "debug: 1\n", nil},
		{"debug none", "debug: [none]\n", nil},
		{"addnode with a space", "addnode: ['bad host']\n", []string{"config addnode:", `"bad host" is not HOST`}},
		{"connect port 0", "connect: ['127.0.0.1:0']\n", []string{"config connect:", "bad port"}},
		{"seednode bracketed IPv4", "seednode: ['[1.2.3.4]:8333']\n", []string{"config seednode:", "not an IPv6"}},
		{"dnsresolver without port", "dnsresolver: 1.1.1.1\n", []string{"config dnsresolver:", "needs a port"}},
		{"peers", "addnode: ['[2001:db8::1]:8333', seed.example.org, '::1']\nconnect: ['127.0.0.1:18444']\n", nil},
		{"regtestservices off regtest", "regtestservices: [NETWORK, WITNESS]\n",
			[]string{"config regtestservices:", "only with -regtest (network is mainnet)"}},
		{"regtestservices unknown name", "network: regtest\nregtestservices: [NETWORK, FAST]\n",
			[]string{"config regtestservices:", `unknown service "FAST"`}},
		{"regtestservices on regtest", "network: regtest\nregtestservices: [network, WITNESS]\n", nil},
		{"minimumchainwork not hex", "minimumchainwork: xyz\n", []string{"config minimumchainwork:", `"xyz" is not a hex number`}},
		{"minimumchainwork signed", "minimumchainwork: '-12'\n", []string{"config minimumchainwork:", "not a hex number"}},
		{"minimumchainwork 65 digits", "minimumchainwork: '01234567890123456789012345678901234567890123456789012345678901234'\n",
			[]string{"config minimumchainwork:", "65 hex digits, more than 64"}},
		{"minimumchainwork 0X", "minimumchainwork: 0X12\n", []string{"config minimumchainwork:", "not a hex number"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := node.DefaultConfig()
			_, err := node.ParseConfig([]byte(tc.yaml), &cfg)
			if err == nil {
				err = cfg.Validate()
			}
			if tc.want == nil {
				if err != nil {
					t.Fatalf("error = %v, want none", err)
				}
				return
			}
			var ce *node.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error = %v, want a *node.ConfigError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// -maxconnections=0, as in Core: no automatic connection. With listening
// asked for explicitly, an inbound connection is accepted and dropped (no
// inbound slot); manual connections (-addnode) still run.
func TestMaxConnectionsZeroMeansNoAutomaticConnections(t *testing.T) {
	a := nodetest.Start(t, nodetest.Regtest(t, "127.0.0.1:0"))
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.MaxConnections = 0
	cfg.AddNode = []string{nodetest.ListenAddr(t, a).String()}
	b := nodetest.Start(t, cfg)

	nodetest.Eventually(t, 10*time.Second, "b's addnode peer to complete its handshake", func() bool {
		return len(nodetest.Handshaken(nodetest.Peers(t, b), func(p *peer.Info) bool { return !p.Inbound })) == 1
	})
	// b closes it at accept, before any version (sending one would race
	// with the close).
	r := actortest.DialTCP(t, nodetest.ListenAddr(t, b).String(), b.Params().Magic)
	if err := r.ExpectClosed(t, 10*time.Second); !errors.Is(err, io.EOF) {
		t.Errorf("closed with %v, want the node's close (EOF)", err)
	}
	if got := r.Received(); len(got) != 0 {
		t.Errorf("the dropped inbound connection received %v", got)
	}
	for _, p := range nodetest.Peers(t, b) {
		if p.Inbound {
			t.Errorf("b holds an inbound peer %s", p.Addr)
		}
	}
}

// -minimumchainwork replaces the network's minimum chain work as Core's
// uint256::FromUserHex reads it (Core's validation_chainstatemanager_tests):
// "0" and "0x" are zero, "0x1234" is 0x1234, 64 digits are read whole, and
// leaving it out keeps the network's.
func TestMinimumChainWorkOverridesTheNetwork(t *testing.T) {
	const full = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	mainnet := node.DefaultConfig()
	def, err := mainnet.Params()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ value, want string }{
		{"", def.MinimumChainWork.Text(16)},
		{"0", "0"},
		{"0x", "0"},
		{"0x1234", "1234"},
		{"ABCDEF", "abcdef"},
		{full, strings.TrimLeft(full, "0")},
	} {
		cfg := node.DefaultConfig()
		if err := node.SetConfigString(&cfg, "minimumchainwork", tc.value, true); err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("%q: %v", tc.value, err)
		}
		p, err := cfg.Params()
		if err != nil {
			t.Fatalf("%q: %v", tc.value, err)
		}
		if got := p.MinimumChainWork.Text(16); got != tc.want {
			t.Errorf("%q: minimum chain work %s, want %s", tc.value, got, tc.want)
		}
	}
}
