package addrbook

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/protocol"
)

// filledBook is a book with new and tried entries of every network.
func filledBook(t *testing.T) *book {
	t.Helper()
	b, rng := testBook(42)
	for i := range 300 {
		k := v4(byte(11+i%80), byte(i), 3, 4)
		src := netip.AddrFrom4([4]byte{9, byte(i % 7), 9, 9})
		b.add(k, protocol.SFNodeNetwork, t0.Add(-time.Duration(i)*time.Minute), src, gossipPenalty, t0, rng)
		if i%3 == 0 {
			b.attempt(k, true, t0)
		}
		if i%5 == 0 {
			b.good(k, protocol.SFNodeNetwork|protocol.SFNodeWitness, false, t0.Add(time.Second))
		}
	}
	b.add(ipKey("[2a01:4f8::1]:8333"), 1, t0, netip.MustParseAddr("fd6b:88c0:8724::1"), 0, t0, rng)
	for _, net := range []protocol.NetworkID{protocol.NetTorV3, protocol.NetI2P, protocol.NetCJDNS} {
		k := addrKey{net: net, port: 8333}
		k.addr[0], k.addr[1] = 0xfc, byte(net)
		if net == protocol.NetI2P {
			k.port = 0
		}
		if !b.add(k, 1, t0, netip.MustParseAddr("9.9.9.9"), 0, t0, rng) {
			t.Fatalf("cannot add %v", k)
		}
	}
	// Add known addresses again from other sources: several buckets each.
	for i := range 300 {
		k := v4(byte(11+i%80), byte(i), 3, 4)
		b.add(k, 1, t0.Add(time.Hour), netip.AddrFrom4([4]byte{byte(20 + i%50), 1, 1, 1}), 0, t0.Add(time.Hour), rng)
	}
	if b.triedLen() == 0 || b.newLen() == 0 {
		t.Fatalf("book has %d new and %d tried", b.newLen(), b.triedLen())
	}
	checkConsistent(t, b)
	return b
}

func TestFileRoundTrip(t *testing.T) {
	b := filledBook(t)
	data := b.encode()
	got, err := decodeBook(data, false)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	checkConsistent(t, got)
	if got.key != b.key || got.newLen() != b.newLen() || got.triedLen() != b.triedLen() {
		t.Fatalf("decoded %d new %d tried, want %d and %d (key same: %v)",
			got.newLen(), got.triedLen(), b.newLen(), b.triedLen(), got.key == b.key)
	}
	for k, want := range b.entries {
		e := got.entries[k]
		if e == nil {
			t.Fatalf("%v lost", k)
		}
		if e.services != want.services || e.source != want.source || !e.lastSeen.Equal(want.lastSeen) ||
			!e.lastTry.Equal(want.lastTry) || !e.lastSuccess.Equal(want.lastSuccess) ||
			!e.lastCountAttempt.Equal(want.lastCountAttempt) || e.attempts != want.attempts ||
			e.tried != want.tried || len(e.buckets) != len(want.buckets) {
			t.Fatalf("%v: decoded %+v, want %+v", k, e, want)
		}
	}
	if again := got.encode(); string(again) != string(data) {
		t.Fatal("encoding the decoded book gives other bytes")
	}
}

func TestFileTruncatedAtEveryByteFails(t *testing.T) {
	data := filledBook(t).encode()
	for n := range len(data) {
		if _, err := decodeBook(data[:n], false); err == nil {
			t.Fatalf("decode of the first %d of %d bytes succeeded", n, len(data))
		}
	}
}

func TestFileDamageDetected(t *testing.T) {
	data := filledBook(t).encode()
	for _, tc := range []struct {
		name string
		edit func([]byte) []byte
		want error
	}{
		{name: "magic", edit: func(b []byte) []byte { b[0] = 'X'; return b }, want: errFileMagic},
		{name: "version", edit: func(b []byte) []byte { b[4] = 99; return b }, want: errFileVersion},
		{name: "flipped bit", edit: func(b []byte) []byte { b[len(b)/2] ^= 1; return b }, want: errFileChecksum},
		{name: "appended", edit: func(b []byte) []byte { return append(b, 0) }, want: errFileChecksum},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeBook(tc.edit(append([]byte(nil), data...)), false)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
		})
	}
}

// A truncated or damaged file is an error naming the file, as Core's
// "Invalid or corrupt peers.dat", and it stays where it is for the operator.
func TestFileTruncatedIsAnErrorAndStaysInPlace(t *testing.T) {
	b, rng := testBook(43)
	for i := range 12 {
		k := v4(byte(11+i), 1, 2, 3)
		b.add(k, 1, t0, netip.MustParseAddr("9.9.9.9"), 0, t0, rng)
		if i%3 == 0 {
			b.good(k, 1, false, t0)
		}
	}
	data := b.encode()
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	regtest := mustNetwork(t, "regtest")
	for n := range len(data) {
		if err := os.WriteFile(path, data[:n], 0o600); err != nil {
			t.Fatal(err)
		}
		res := loadFile(path, false)
		var ce *CorruptFileError
		if res.book != nil || res.missing || !errors.As(res.err, &ce) || ce.Path != path {
			t.Fatalf("cut at %d: book %v missing %v err %v", n, res.book != nil, res.missing, res.err)
		}
		if err := CheckFile(path, regtest); !errors.As(err, &ce) || !strings.Contains(err.Error(), path) {
			t.Fatalf("cut at %d: CheckFile = %v", n, err)
		}
		if kept, err := os.ReadFile(path); err != nil || len(kept) != n {
			t.Fatalf("cut at %d: the file has %d bytes (%v), want it untouched", n, len(kept), err)
		}
	}
	if res := loadFile(filepath.Join(dir, "none"), false); !res.missing || res.book != nil || res.err != nil {
		t.Fatalf("missing file: %+v", res)
	}
	if err := CheckFile(filepath.Join(dir, "none"), regtest); err != nil {
		t.Fatalf("CheckFile of a missing file = %v", err)
	}
}

// A file of another version is moved to ".bak" and the book starts empty,
// as Core does with a peers.dat of an incompatible version.
func TestFileOfAnotherVersionIsBackedUp(t *testing.T) {
	b, _ := testBook(44)
	data := b.encode()
	data[4] = fileVersion + 1
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckFile(path, mustNetwork(t, "mainnet")); err != nil {
		t.Fatalf("CheckFile = %v, want nil", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the file is still in place: %v", err)
	}
	if kept, err := os.ReadFile(path + ".bak"); err != nil || !bytes.Equal(kept, data) {
		t.Fatalf("backup: %v", err)
	}
}

// TestBookSavedAtStopAndLoaded: the actor writes its file at stop and the
// next one starts from it; a corrupt file is set aside with a warning and
// the book starts empty.
func TestBookSavedAtStopAndLoaded(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	system := newSystem(t)
	p := actortest.NewProbe(t, system)
	cfg := Config{Network: mustNetwork(t, "mainnet"), File: path}
	book := system.Root.Spawn(Props(cfg))
	system.Root.Send(book, &Add{Addrs: []protocol.NetAddress{
		{Services: protocol.SFNodeNetwork, Addr: netip.MustParseAddr("1.2.3.4"), Port: 8333},
		{Services: protocol.SFNodeNetwork, Addr: netip.MustParseAddr("5.6.7.8"), Port: 8333},
	}})
	outbound := netip.MustParseAddrPort("1.2.3.4:8333")
	system.Root.Send(book, &Connected{ID: 1, Peer: p.PID(), Addr: outbound, Services: protocol.SFNodeNetwork})
	before := snapshot(t, system, book, p)
	if err := system.Root.StopFuture(book).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no file after stop: %v", err)
	}

	core, logs := observer.New(zapcore.InfoLevel)
	cfg.Logger = zap.New(core)
	book = system.Root.Spawn(Props(cfg))
	after := snapshot(t, system, book, p)
	if len(after) != len(before) || !after[outbound].Tried || after[outbound].LastSuccess.IsZero() {
		t.Fatalf("reloaded %v, want %v with %v tried", after, before, outbound)
	}
	if logs.FilterMessage("loaded address book").Len() != 1 {
		t.Fatalf("no load logged: %v", logs.All())
	}
	if err := system.Root.StopFuture(book).Wait(); err != nil {
		t.Fatal(err)
	}

	// Damage the file: CheckFile refuses it; a book spawned anyway (as
	// after a restart) starts empty, says why at Error and keeps the file
	// as ".corrupt". A second damaged file goes to ".corrupt.1": the first
	// copy is never replaced.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, aside := range []string{path + ".corrupt", path + ".corrupt.1"} {
		damaged := data[:len(data)-7-i]
		if err := os.WriteFile(path, damaged, 0o600); err != nil {
			t.Fatal(err)
		}
		var ce *CorruptFileError
		if err := CheckFile(path, cfg.Network); !errors.As(err, &ce) {
			t.Fatalf("CheckFile = %v, want a *CorruptFileError", err)
		}
		core, logs = observer.New(zapcore.InfoLevel)
		cfg.Logger = zap.New(core)
		book = system.Root.Spawn(Props(cfg))
		if got := snapshot(t, system, book, p); len(got) != 0 {
			t.Fatalf("book from a damaged file holds %v", got)
		}
		logged := logs.FilterMessage("address book file unusable, starting empty").All()
		if len(logged) != 1 || logged[0].Level != zapcore.ErrorLevel || logged[0].ContextMap()["set_aside"] != aside {
			t.Fatalf("logs = %v", logs.All())
		}
		if kept, err := os.ReadFile(aside); err != nil || !bytes.Equal(kept, damaged) {
			t.Fatalf("damaged file not kept as %s: %v", aside, err)
		}
		if err := system.Root.StopFuture(book).Wait(); err != nil {
			t.Fatal(err)
		}
	}
	if kept, err := os.ReadFile(path + ".corrupt"); err != nil || len(kept) != len(data)-7 {
		t.Fatalf("the first copy was replaced: %d bytes, %v", len(kept), err)
	}
}
