package protocol

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// ServiceFlag is the bit field of services a node offers, sent in version
// and in every address entry (Core's ServiceFlags).
type ServiceFlag uint64

// Service bits, named after Core's NODE_* constants.
const (
	// SFNodeNetwork (NODE_NETWORK): serves the full block chain.
	SFNodeNetwork ServiceFlag = 1 << 0
	// SFNodeBloom (NODE_BLOOM, BIP111): serves bloom-filtered connections.
	SFNodeBloom ServiceFlag = 1 << 2
	// SFNodeWitness (NODE_WITNESS, BIP144): serves witness data.
	SFNodeWitness ServiceFlag = 1 << 3
	// SFNodeCompactFilters (NODE_COMPACT_FILTERS, BIP157): serves compact
	// block filters.
	SFNodeCompactFilters ServiceFlag = 1 << 6
	// SFNodeNetworkLimited (NODE_NETWORK_LIMITED, BIP159): serves at least
	// the last 288 blocks.
	SFNodeNetworkLimited ServiceFlag = 1 << 10
	// SFNodeP2PV2 (NODE_P2P_V2, BIP324): accepts the v2 encrypted transport.
	SFNodeP2PV2 ServiceFlag = 1 << 11
)

// serviceBitName returns Core's name for the single service bit at position
// bit (serviceFlagToStr): unknown bits read UNKNOWN[2^n].
func serviceBitName(bit int) string {
	switch ServiceFlag(1) << bit {
	case SFNodeNetwork:
		return "NETWORK"
	case SFNodeBloom:
		return "BLOOM"
	case SFNodeWitness:
		return "WITNESS"
	case SFNodeCompactFilters:
		return "COMPACT_FILTERS"
	case SFNodeNetworkLimited:
		return "NETWORK_LIMITED"
	case SFNodeP2PV2:
		return "P2P_V2"
	}
	return "UNKNOWN[2^" + strconv.Itoa(bit) + "]"
}

// Names returns the name of every bit set in f, lowest bit first, as Core's
// getpeerinfo "servicesnames" lists them. It returns nil for no services.
func (f ServiceFlag) Names() []string {
	if f == 0 {
		return nil
	}
	names := make([]string, 0, bits.OnesCount64(uint64(f)))
	for rest := uint64(f); rest != 0; rest &= rest - 1 {
		names = append(names, serviceBitName(bits.TrailingZeros64(rest)))
	}
	return names
}

// String returns the names of the set bits joined by "|", for example
// "NETWORK|WITNESS", or "NONE" when no bit is set.
func (f ServiceFlag) String() string {
	if f == 0 {
		return "NONE"
	}
	return strings.Join(f.Names(), "|")
}

// Has reports whether every bit of want is set in f.
func (f ServiceFlag) Has(want ServiceFlag) bool { return f&want == want }

// ParseServiceName returns the bit Core's name stands for (the names Names
// returns: NETWORK, BLOOM, WITNESS, COMPACT_FILTERS, NETWORK_LIMITED,
// P2P_V2), in any letter case. Another name is an error.
func ParseServiceName(name string) (ServiceFlag, error) {
	want := strings.ToUpper(strings.TrimSpace(name))
	for bit := range 64 {
		f := ServiceFlag(1) << bit
		if n := serviceBitName(bit); !strings.HasPrefix(n, "UNKNOWN") && n == want {
			return f, nil
		}
	}
	return 0, fmt.Errorf("unknown service %q (known: %s)", name,
		(SFNodeNetwork | SFNodeBloom | SFNodeWitness | SFNodeCompactFilters | SFNodeNetworkLimited | SFNodeP2PV2).String())
}
