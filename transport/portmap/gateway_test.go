package portmap

import (
	"errors"
	"net/netip"
	"testing"
)

func TestParseRouteTable(t *testing.T) {
	const header = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
	tests := []struct {
		name    string
		table   string
		want    string
		wantErr error
	}{
		{
			name: "one default route",
			table: header +
				"eth0\t00000000\t016433C6\t0003\t0\t0\t0\t00000000\t0\t0\t0\n" +
				"eth0\t006433C6\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",
			want: "198.51.100.1",
		},
		{
			name: "lowest metric wins",
			table: header +
				"wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n" +
				"eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n",
			want: "10.0.0.1",
		},
		{
			name: "route down is skipped",
			table: header +
				"eth0\t00000000\t0100000A\t0002\t0\t0\t0\t00000000\t0\t0\t0\n",
			wantErr: ErrNoGateway,
		},
		{
			name:    "no default route",
			table:   header + "eth0\t006433C6\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",
			wantErr: ErrNoGateway,
		},
		{name: "empty", table: "", wantErr: ErrNoGateway},
		{
			name:    "bad gateway field",
			table:   header + "eth0\t00000000\tZZ\t0003\t0\t0\t0\t00000000\t0\t0\t0\n",
			wantErr: ErrBadResponse,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRouteTable([]byte(tt.table))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != netip.MustParseAddr(tt.want) {
				t.Fatalf("gateway = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestExplainNamesEveryKind(t *testing.T) {
	for _, err := range []error{ErrNoGateway, ErrTimeout, ErrUnsupported, ErrRefused,
		ErrNoPublicAddress, ErrPortConflict, ErrNoResources, ErrBadResponse} {
		if got := Explain(errors.Join(errors.New("detail"), err)); got == Explain(errors.New("other")) {
			t.Errorf("Explain(%v) is the generic text", err)
		}
	}
}

func TestLocalAddrForLoopback(t *testing.T) {
	got, err := LocalAddrFor(netip.MustParseAddrPort("127.0.0.1:5351"))
	if err != nil {
		t.Fatal(err)
	}
	if got != netip.MustParseAddr("127.0.0.1") {
		t.Fatalf("local = %s, want 127.0.0.1", got)
	}
}
