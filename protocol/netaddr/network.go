package netaddr

// Network is Core's enum Network: the kind of an address. The values are
// Core's, so that a group's first byte (see AppendGroup) is Core's too.
type Network uint8

// Networks, in Core's order.
const (
	// Unroutable is the class of an address not reachable from the public
	// Internet (Core's NET_UNROUTABLE); no Addr is stored as one.
	Unroutable Network = 0
	// IPv4 addresses, including those that arrive IPv4-mapped in IPv6.
	IPv4 Network = 1
	// IPv6 addresses that are not IPv4-mapped, Tor v2 or internal names.
	IPv6 Network = 2
	// Onion is Tor v3 (Core's NET_ONION).
	Onion Network = 3
	// I2P addresses.
	I2P Network = 4
	// CJDNS addresses: IPv6 addresses in fc00::/8 announced as CJDNS.
	CJDNS Network = 5
	// Internal names, which stand for a DNS seed's name (Core's
	// NET_INTERNAL); never gossiped, never dialled.
	Internal Network = 6
)

// String returns Core's name for the network (GetNetworkName).
func (n Network) String() string {
	switch n {
	case Unroutable:
		return "not_publicly_routable"
	case IPv4:
		return "ipv4"
	case IPv6:
		return "ipv6"
	case Onion:
		return "onion"
	case I2P:
		return "i2p"
	case CJDNS:
		return "cjdns"
	case Internal:
		return "internal"
	}
	return "unknown"
}

// size is the length of an address of the network in bytes (Core's
// ADDR_*_SIZE), 0 for Unroutable.
func (n Network) size() int {
	switch n {
	case IPv4:
		return 4
	case IPv6, CJDNS:
		return 16
	case Onion, I2P:
		return 32
	case Internal:
		return 10
	}
	return 0
}

// BIP155 network ids (BIP155's table; Core's BIP155Network).
const (
	bip155IPv4  = 1
	bip155IPv6  = 2
	bip155TorV2 = 3
	bip155TorV3 = 4
	bip155I2P   = 5
	bip155CJDNS = 6
)
