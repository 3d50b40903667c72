package protocol

import (
	"fmt"
	"net/netip"
)

// Params describes one Bitcoin network: what a node needs to find and talk to
// its peers. Values come from Bitcoin Core's chainparams.
type Params struct {
	// Name is the canonical name: mainnet, testnet3, testnet4, signet or
	// regtest.
	Name string
	// Magic is the message start as the little-endian uint32 of its four
	// bytes (mainnet f9 be b4 d9 is 0xd9b4bef9), as in Header.Magic.
	Magic uint32
	// DefaultPort is the TCP port nodes listen on.
	DefaultPort uint16
	// DNSSeeds are host names whose A/AAAA records list nodes (Core's
	// vSeeds, without the trailing dot).
	DNSSeeds []string
	// FixedSeeds are a few long-lived nodes to try when DNS gives nothing
	// (taken from Core's contrib/seeds lists).
	FixedSeeds []netip.AddrPort
	// GenesisHash is the hash of the network's first block.
	GenesisHash Hash
}

// Canonical network names.
const (
	NameMainnet  = "mainnet"
	NameTestnet3 = "testnet3"
	NameTestnet4 = "testnet4"
	NameSignet   = "signet"
	NameRegtest  = "regtest"
)

// NetworkNames returns the canonical network names Network accepts (it also
// takes "main" and "testnet"). The slice is the caller's.
func NetworkNames() []string {
	return []string{NameMainnet, NameTestnet3, NameTestnet4, NameSignet, NameRegtest}
}

// Network returns the parameters of the named network. Every call builds a
// fresh value, so the caller may change its slices freely. An unknown name
// wraps ErrUnknownNetwork.
func Network(name string) (Params, error) {
	switch name {
	case NameMainnet, "main":
		return Params{
			Name:        NameMainnet,
			Magic:       0xd9b4bef9, // f9 be b4 d9
			DefaultPort: 8333,
			DNSSeeds: []string{
				"dnsseed.bluematt.me",
				"seed.bitcoin.jonasschnelli.ch",
				"seed.btc.petertodd.net",
				"seed.bitcoin.sprovoost.nl",
				"dnsseed.emzy.de",
				"seed.bitcoin.wiz.biz",
				"seed.mainnet.achownodes.xyz",
			},
			FixedSeeds: addrPorts(8333,
				"2.121.116.198", "3.86.179.235", "4.2.51.251",
				"5.2.23.226", "5.2.222.125", "5.11.92.140"),
			GenesisHash: mustHash("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"),
		}, nil
	case NameTestnet3, "testnet":
		return Params{
			Name:        NameTestnet3,
			Magic:       0x0709110b, // 0b 11 09 07
			DefaultPort: 18333,
			DNSSeeds: []string{
				"testnet-seed.bitcoin.jonasschnelli.ch",
				"seed.tbtc.petertodd.net",
				"testnet-seed.bluematt.me",
				"seed.testnet.achownodes.xyz",
			},
			FixedSeeds: addrPorts(18333,
				"18.118.231.3", "23.227.223.209", "24.160.99.9",
				"35.183.51.117", "35.210.184.94", "38.102.86.40"),
			GenesisHash: mustHash("000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943"),
		}, nil
	case NameTestnet4:
		return Params{
			Name:        NameTestnet4,
			Magic:       0x283f161c, // 1c 16 3f 28
			DefaultPort: 48333,
			DNSSeeds: []string{
				"seed.testnet4.bitcoin.sprovoost.nl",
				"seed.testnet4.wiz.biz",
			},
			FixedSeeds: addrPorts(48333,
				"2.59.134.244", "2.110.106.102", "5.182.4.106",
				"31.220.30.248", "34.232.194.104", "35.201.167.154"),
			GenesisHash: mustHash("00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043"),
		}, nil
	case NameSignet:
		// The default signet (Core's built-in challenge); a custom signet
		// has its own magic derived from its challenge.
		return Params{
			Name:        NameSignet,
			Magic:       0x40cf030a, // 0a 03 cf 40
			DefaultPort: 38333,
			DNSSeeds: []string{
				"seed.signet.bitcoin.sprovoost.nl",
				"seed.signet.achownodes.xyz",
			},
			FixedSeeds: addrPorts(38333,
				"34.135.189.101", "34.254.97.244", "35.196.2.204",
				"35.217.13.118", "37.120.177.204", "38.83.170.18"),
			GenesisHash: mustHash("00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6"),
		}, nil
	case NameRegtest:
		// No seeds: a regtest network is whatever nodes the user connects.
		return Params{
			Name:        NameRegtest,
			Magic:       0xdab5bffa, // fa bf b5 da
			DefaultPort: 18444,
			GenesisHash: mustHash("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"),
		}, nil
	}
	return Params{}, fmt.Errorf("network %q: %w (want one of %v)", name, ErrUnknownNetwork, NetworkNames())
}

// addrPorts builds a fresh seed list of IPv4 literals on one port.
func addrPorts(port uint16, ips ...string) []netip.AddrPort {
	out := make([]netip.AddrPort, len(ips))
	for i, ip := range ips {
		out[i] = netip.AddrPortFrom(netip.MustParseAddr(ip), port)
	}
	return out
}

// mustHash parses a hash constant of this file; a typo panics in every test.
func mustHash(s string) Hash {
	h, err := NewHashFromStr(s)
	if err != nil {
		panic(err)
	}
	return h
}
