package connmgr

import (
	"encoding/hex"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/connmgr/machine"
	"github.com/actornode/actornode/protocol"
)

const regtestMagic = 0xdab5bffa

// TestAnchorsFileRoundTrip: written anchors read back the same, IPv4 and
// IPv6; reading removes the file; a missing file is no anchors.
func TestAnchorsFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), AnchorsFileName)
	want := []machine.Anchor{
		{Addr: netip.MustParseAddrPort("127.0.0.5:18444"), Services: protocol.SFNodeNetwork | protocol.SFNodeWitness},
		{Addr: netip.MustParseAddrPort("[2001:db8::1]:8333"), Services: protocol.SFNodeNetworkLimited},
	}
	if err := writeAnchors(path, regtestMagic, want, time.Unix(1700000000, 0)); err != nil {
		t.Fatal(err)
	}
	got, err := readAnchors(path, regtestMagic)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("read %+v, want %+v", got, want)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("anchors file left after reading: %v", err)
	}
	if got, err := readAnchors(path, regtestMagic); err != nil || got != nil {
		t.Fatalf("missing file: %v, %v", got, err)
	}
}

// TestAnchorsFileCoreLayout pins the bytes of Core's anchors.dat for one
// IPv4 anchor: magic, count, disk version 220000|1<<29, time, services as
// CompactSize, BIP155 network and length, address, big-endian port, then
// the double SHA-256 of it all.
func TestAnchorsFileCoreLayout(t *testing.T) {
	b := encodeAnchors(regtestMagic, []machine.Anchor{{Addr: netip.MustParseAddrPort("1.2.3.4:8333"), Services: 9}},
		time.Unix(0x01020304, 0))
	body := "fabfb5da" + "01" + "605b0320" + "04030201" + "09" + "0104" + "01020304" + "208d"
	if got := hex.EncodeToString(b[:len(b)-32]); got != body {
		t.Fatalf("body %s, want %s", got, body)
	}
	raw, _ := hex.DecodeString(body)
	if sum := protocol.DoubleSHA256(raw); string(b[len(b)-32:]) != string(sum[:]) {
		t.Fatal("checksum is not the double SHA-256 of the body")
	}
}

// TestAnchorsFileRejected: a wrong magic, a bad checksum or a truncated
// file give an error and no anchors, and the file is removed all the same,
// as Core's ReadAnchors does.
func TestAnchorsFileRejected(t *testing.T) {
	good := encodeAnchors(regtestMagic, []machine.Anchor{{Addr: netip.MustParseAddrPort("1.2.3.4:8333")}}, time.Unix(1, 0))
	flipped := append([]byte(nil), good...)
	flipped[6] ^= 1
	for name, data := range map[string][]byte{
		"magic":     encodeAnchors(0xd9b4bef9, []machine.Anchor{{Addr: netip.MustParseAddrPort("1.2.3.4:8333")}}, time.Unix(1, 0)),
		"checksum":  flipped,
		"truncated": good[:10],
	} {
		path := filepath.Join(t.TempDir(), AnchorsFileName)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := readAnchors(path, regtestMagic)
		if err == nil || got != nil {
			t.Fatalf("%s: %+v, %v", name, got, err)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s: file left: %v", name, err)
		}
	}
}
