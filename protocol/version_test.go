package protocol

import (
	"testing"
)

// Old nodes send shorter version messages; Core fills in what is missing.
func TestVersionOptionalFields(t *testing.T) {
	full := coreVersion()
	for _, tc := range []struct {
		name string
		size int // prefix of coreVersionHex, in bytes
		want func(m *MsgVersion)
	}{
		{name: "up to addr_recv", size: 46, want: func(m *MsgVersion) {
			m.AddrFrom, m.Nonce, m.UserAgent, m.StartHeight = NetAddress{}, 0, "", 0
		}},
		{name: "up to nonce", size: 80, want: func(m *MsgVersion) { m.UserAgent, m.StartHeight = "", 0 }},
		{name: "up to user agent", size: 97, want: func(m *MsgVersion) { m.StartHeight = 0 }},
		{name: "no relay byte", size: 101, want: func(m *MsgVersion) {}},
		{name: "relay byte", size: 102, want: func(m *MsgVersion) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got MsgVersion
			if err := got.DecodePayload(unhex(t, coreVersionHex)[:tc.size], ProtocolVersion); err != nil {
				t.Fatal(err)
			}
			want := *full
			tc.want(&want)
			if got != want {
				t.Fatalf("got  %+v\nwant %+v", got, want)
			}
			if !got.Relay {
				t.Fatal("an absent relay flag means true")
			}
		})
	}
	var m MsgVersion
	payload := unhex(t, coreVersionHex)
	payload[len(payload)-1] = 0
	if err := m.DecodePayload(payload, ProtocolVersion); err != nil || m.Relay {
		t.Fatalf("relay 0: %+v, %v", m, err)
	}
	payload[len(payload)-1] = 2
	if err := m.DecodePayload(payload, ProtocolVersion); err != nil || !m.Relay {
		t.Fatalf("relay 2 is true in Core: %+v, %v", m, err)
	}
}

func TestNetAddressIPv4Unmapped(t *testing.T) {
	v := coreVersion()
	if !v.AddrRecv.Addr.Is4() || v.AddrRecv.AddrPort().String() != "127.0.0.1:18444" {
		t.Fatalf("AddrRecv %v", v.AddrRecv.AddrPort())
	}
	var m MsgVersion
	if err := m.DecodePayload(unhex(t, coreVersionHex), ProtocolVersion); err != nil {
		t.Fatal(err)
	}
	if !m.AddrRecv.Addr.Is4() || m.AddrRecv.Addr.Is4In6() {
		t.Fatalf("decoded %v, want an unmapped IPv4 address", m.AddrRecv.Addr)
	}
	if m.AddrFrom.Addr.IsValid() {
		t.Fatalf("all-zero address decodes as %v, want the zero Addr", m.AddrFrom.Addr)
	}
}
