package node_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/node/nodeinfo"
	"github.com/actornode/actornode/actors/node/nodetest"
	"github.com/actornode/actornode/protocol"
)

// TestServicesAgree: the services a node announces in its version message
// are those /debug/net (getnetworkinfo's localservices and
// localservicesnames) reports: none by default, since the node serves no
// blocks past genesis, and on regtest what -regtestservices names.
func TestServicesAgree(t *testing.T) {
	for _, tc := range []struct {
		name  string
		claim bool
		want  protocol.ServiceFlag
		hex   string
		names []string
	}{
		// NODE_P2P_V2 with -v2transport's default, as Core.
		{name: "default: none but v2", want: protocol.SFNodeP2PV2, hex: "0000000000000800", names: []string{"P2P_V2"}},
		{name: "regtestservices NETWORK,WITNESS", claim: true, want: protocol.SFNodeNetwork | protocol.SFNodeWitness | protocol.SFNodeP2PV2,
			hex: "0000000000000809", names: []string{"NETWORK", "WITNESS", "P2P_V2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := nodetest.Regtest(t, "127.0.0.1:0")
			cfg.DebugAddr = "127.0.0.1:0"
			if tc.claim {
				nodetest.ClaimFullServices(&cfg)
			}
			n := nodetest.Start(t, cfg)
			r := actortest.DialTCP(t, nodetest.ListenAddr(t, n).String(), n.Params().Magic)
			if v := r.Handshake(t, nil); v.Services != tc.want {
				t.Errorf("version services %v, want %v", v.Services, tc.want)
			}
			client := &http.Client{Timeout: 5 * time.Second}
			resp, err := client.Get(n.DebugURL() + "net")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var ni nodeinfo.NetworkInfo
			if err := json.NewDecoder(resp.Body).Decode(&ni); err != nil {
				t.Fatalf("GET /debug/net: %v", err)
			}
			if ni.LocalServices != tc.hex || !slices.Equal(ni.LocalServicesNames, tc.names) {
				t.Errorf("/debug/net localservices %q %q, want %q %q", ni.LocalServices, ni.LocalServicesNames, tc.hex, tc.names)
			}
		})
	}
}
