package protocol

import (
	"encoding/binary"
	"errors"
	"slices"
	"testing"
)

func TestNetworks(t *testing.T) {
	for _, tc := range []struct {
		names   []string
		start   string // message start bytes, hex
		port    uint16
		genesis string
		seeds   bool
	}{
		{names: []string{"mainnet", "main"}, start: "f9beb4d9", port: 8333, seeds: true,
			genesis: "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"},
		{names: []string{"testnet3", "testnet"}, start: "0b110907", port: 18333, seeds: true,
			genesis: "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943"},
		{names: []string{"testnet4"}, start: "1c163f28", port: 48333, seeds: true,
			genesis: "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043"},
		{names: []string{"signet"}, start: "0a03cf40", port: 38333, seeds: true,
			genesis: "00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6"},
		{names: []string{"regtest"}, start: "fabfb5da", port: 18444, seeds: false,
			genesis: "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"},
	} {
		t.Run(tc.names[0], func(t *testing.T) {
			for _, name := range tc.names {
				p, err := Network(name)
				if err != nil {
					t.Fatal(err)
				}
				if p.Name != tc.names[0] {
					t.Errorf("Network(%q).Name = %q", name, p.Name)
				}
				if want := binary.LittleEndian.Uint32(unhex(t, tc.start)); p.Magic != want {
					t.Errorf("magic %#x, want %#x", p.Magic, want)
				}
				if p.DefaultPort != tc.port {
					t.Errorf("port %d, want %d", p.DefaultPort, tc.port)
				}
				if p.GenesisHash.String() != tc.genesis {
					t.Errorf("genesis %s, want %s", p.GenesisHash, tc.genesis)
				}
				if (len(p.DNSSeeds) > 0) != tc.seeds || (len(p.FixedSeeds) > 0) != tc.seeds {
					t.Errorf("seeds: %d DNS, %d fixed", len(p.DNSSeeds), len(p.FixedSeeds))
				}
				for _, s := range p.FixedSeeds {
					if !s.Addr().Is4() || s.Port() != tc.port {
						t.Errorf("fixed seed %s", s)
					}
				}
			}
			if !slices.Contains(NetworkNames(), tc.names[0]) {
				t.Errorf("NetworkNames() lacks %s", tc.names[0])
			}
		})
	}
}

func TestNetworkReturnsFreshCopies(t *testing.T) {
	a, _ := Network(NameMainnet)
	a.DNSSeeds[0] = "evil.example"
	a.FixedSeeds = a.FixedSeeds[:0]
	NetworkNames()[0] = "changed"
	b, _ := Network(NameMainnet)
	if b.DNSSeeds[0] == "evil.example" || len(b.FixedSeeds) == 0 || NetworkNames()[0] != NameMainnet {
		t.Fatal("Network shares state between calls")
	}
}

func TestNetworkUnknown(t *testing.T) {
	if _, err := Network("litecoin"); !errors.Is(err, ErrUnknownNetwork) {
		t.Fatalf("err = %v", err)
	}
}
