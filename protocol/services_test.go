package protocol

import (
	"slices"
	"testing"
)

func TestServiceFlagNames(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flags ServiceFlag
		str   string
		names []string
	}{
		{name: "none", flags: 0, str: "NONE", names: nil},
		{name: "network witness", flags: SFNodeNetwork | SFNodeWitness, str: "NETWORK|WITNESS",
			names: []string{"NETWORK", "WITNESS"}},
		{name: "all known", flags: SFNodeNetwork | SFNodeBloom | SFNodeWitness | SFNodeCompactFilters |
			SFNodeNetworkLimited | SFNodeP2PV2,
			str:   "NETWORK|BLOOM|WITNESS|COMPACT_FILTERS|NETWORK_LIMITED|P2P_V2",
			names: []string{"NETWORK", "BLOOM", "WITNESS", "COMPACT_FILTERS", "NETWORK_LIMITED", "P2P_V2"}},
		{name: "unknown bits", flags: 1<<1 | 1<<63 | SFNodeNetwork, str: "NETWORK|UNKNOWN[2^1]|UNKNOWN[2^63]",
			names: []string{"NETWORK", "UNKNOWN[2^1]", "UNKNOWN[2^63]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.flags.String(); got != tc.str {
				t.Errorf("String() = %q, want %q", got, tc.str)
			}
			if got := tc.flags.Names(); !slices.Equal(got, tc.names) {
				t.Errorf("Names() = %q, want %q", got, tc.names)
			}
		})
	}
	if !(SFNodeNetwork | SFNodeWitness).Has(SFNodeWitness) || SFNodeNetwork.Has(SFNodeNetwork|SFNodeWitness) {
		t.Error("Has is wrong")
	}
}

func TestParseServiceName(t *testing.T) {
	for _, tc := range []struct {
		name string
		want ServiceFlag
		ok   bool
	}{
		{name: "NETWORK", want: SFNodeNetwork, ok: true},
		{name: "witness", want: SFNodeWitness, ok: true},
		{name: " NETWORK_LIMITED ", want: SFNodeNetworkLimited, ok: true},
		{name: "P2P_V2", want: SFNodeP2PV2, ok: true},
		{name: "NONE"},
		{name: "UNKNOWN[2^1]"},
		{name: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseServiceName(tc.name)
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("ParseServiceName(%q) = %v, %v; want %v, ok %v", tc.name, got, err, tc.want, tc.ok)
			}
		})
	}
}
