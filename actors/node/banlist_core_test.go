package node_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/actors/node/nodetest"
	"github.com/actornode/actornode/actors/rpc/client"
)

// coreBan is one ban as Bitcoin Core's reader takes it from banlist.json.
type coreBan struct {
	subnet               netip.Prefix
	created, bannedUntil int64
}

// readBanlistAsCore reads a banlist.json the way Bitcoin Core's CBanDB::Read
// does (addrdb.cpp, common/settings.cpp ReadSettings, net_types.cpp
// BanMapFromJson and CBanEntry, netbase.cpp LookupSubNet), written here from
// that source and sharing no code with the node: the file must be a JSON
// object with no key twice; "banned_nets" must be an array (or object) of
// objects; an entry whose "version" is not 1, or whose "address" is no
// subnet Core can parse, is dropped (returned in dropped); "version",
// "ban_created" and "banned_until" must be JSON integers (UniValue's
// getInt: the number's text parses whole as an integer), or the whole file
// is refused as Core refuses it ("Cannot parse banlist").
func readBanlistAsCore(data []byte) (bans []coreBan, dropped []string, err error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if err := noDuplicateKeys(data); err != nil {
		return nil, nil, err
	}
	raw, ok := top["banned_nets"]
	if !ok {
		return nil, nil, errors.New("no banned_nets: Core's getValues throws on null")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var entries []map[string]any
	if err := dec.Decode(&entries); err != nil {
		return nil, nil, fmt.Errorf("banned_nets is not an array of objects: %w", err)
	}
	getInt := func(e map[string]any, key string, bits int) (int64, error) {
		n, ok := e[key].(json.Number)
		if !ok {
			return 0, fmt.Errorf("%s is %T, not a JSON number", key, e[key])
		}
		v, err := strconv.ParseInt(n.String(), 10, bits)
		if err != nil {
			return 0, fmt.Errorf("%s %s: JSON integer out of range", key, n)
		}
		return v, nil
	}
	for _, e := range entries {
		version, err := getInt(e, "version", 32)
		if err != nil {
			return nil, nil, err
		}
		if version != 1 {
			dropped = append(dropped, fmt.Sprintf("version %d", version))
			continue
		}
		addr, ok := e["address"].(string)
		if !ok {
			return nil, nil, fmt.Errorf("address is %T, not a string", e["address"])
		}
		subnet, ok := coreLookupSubNet(addr)
		if !ok {
			dropped = append(dropped, addr)
			continue
		}
		created, err := getInt(e, "ban_created", 64)
		if err != nil {
			return nil, nil, err
		}
		until, err := getInt(e, "banned_until", 64)
		if err != nil {
			return nil, nil, err
		}
		bans = append(bans, coreBan{subnet: subnet, created: created, bannedUntil: until})
	}
	return bans, dropped, nil
}

// noDuplicateKeys refuses a top-level object with a key twice, as
// ReadSettings does ("Found duplicate key").
func noDuplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if seen[key] {
			return fmt.Errorf("found duplicate key %s", key)
		}
		seen[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return nil
}

// coreLookupSubNet parses a subnet as Core's LookupSubNet: a numeric
// address (an IPv4-mapped IPv6 address is IPv4), then after the last "/"
// either a decimal prefix length of at most the address's bits or a
// netmask of the same family with contiguous ones; no "/" is the single
// address. The network is masked, as CSubNet's constructor does.
func coreLookupSubNet(s string) (netip.Prefix, bool) {
	if strings.ContainsRune(s, 0) {
		return netip.Prefix{}, false
	}
	addrPart, maskPart, hasMask := s, "", false
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		addrPart, maskPart, hasMask = s[:i], s[i+1:], true
	}
	addr, err := netip.ParseAddr(addrPart)
	if err != nil || addr.Zone() != "" {
		return netip.Prefix{}, false
	}
	addr = addr.Unmap()
	if !hasMask {
		return netip.PrefixFrom(addr, addr.BitLen()), true
	}
	if n, err := strconv.ParseUint(maskPart, 10, 8); err == nil && maskPart[0] != '+' {
		if int(n) > addr.BitLen() {
			return netip.Prefix{}, false
		}
		return netip.PrefixFrom(addr, int(n)).Masked(), true
	}
	mask, err := netip.ParseAddr(maskPart)
	if err != nil {
		return netip.Prefix{}, false
	}
	mask = mask.Unmap()
	if mask.BitLen() != addr.BitLen() {
		return netip.Prefix{}, false
	}
	bits, ended := 0, false
	for _, b := range mask.AsSlice() {
		for i := 7; i >= 0; i-- {
			switch one := b&(1<<i) != 0; {
			case one && ended:
				return netip.Prefix{}, false
			case one:
				bits++
			default:
				ended = true
			}
		}
	}
	return netip.PrefixFrom(addr, bits).Masked(), true
}

// TestBanlistReadableByCore bans subnets in each form setban takes, through
// the RPC server as bitcoin-cli would, stops the node and reads its
// banlist.json with Core's reader (readBanlistAsCore): every ban is there,
// none dropped, with Core's spelling of the subnet and its times.
func TestBanlistReadableByCore(t *testing.T) {
	cfg := nodetest.Regtest(t, "127.0.0.1:0")
	cfg.Server = true
	cfg.RPCBind = []string{"127.0.0.1:0"}
	cfg.RPCUser, cfg.RPCPassword = "test", "secret"
	n := nodetest.Start(t, cfg)
	c := &client.Client{URL: n.RPCURL(), User: cfg.RPCUser, Password: cfg.RPCPassword}

	before := time.Now().Unix()
	bans := []struct {
		given string // as given to setban
		want  string // as Core writes the subnet (CSubNet::ToString)
	}{
		{"203.0.113.7", "203.0.113.7/32"},
		{"198.51.100.0/24", "198.51.100.0/24"},
		{"192.0.2.77/255.255.255.0", "192.0.2.0/24"},
		{"::ffff:192.0.2.200", "192.0.2.200/32"},
		{"2a01:4f8::1", "2a01:4f8::1/128"}, // not 2001:db8::, which Core's setban refuses alone (IsValid)
		{"2001:db8:1:0:0:0:0:0/48", "2001:db8:1::/48"},
	}
	for _, b := range bans {
		if _, err := c.Call(t.Context(), "setban", b.given, "add", 3600); err != nil {
			t.Fatalf("setban %s: %v", b.given, err)
		}
	}
	if err := n.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}

	data, err := os.ReadFile(filepath.Join(cfg.DataDirOrDefault(), connmgr.BanFileName))
	if err != nil {
		t.Fatal(err)
	}
	got, dropped, err := readBanlistAsCore(data)
	if err != nil {
		t.Fatalf("Core would refuse the file: %v\n%s", err, data)
	}
	if len(dropped) > 0 {
		t.Errorf("Core would drop %v\n%s", dropped, data)
	}
	written := map[string]string{} // Core's spelling -> ours
	var entries struct {
		Nets []struct {
			Address string `json:"address"`
		} `json:"banned_nets"`
	}
	if err := json.Unmarshal(data, &entries); err != nil {
		t.Fatal(err)
	}
	for i, e := range got {
		written[e.subnet.String()] = entries.Nets[i].Address
		if e.created < before-1 || e.bannedUntil < e.created+3600-1 || e.bannedUntil > time.Now().Unix()+3600 {
			t.Errorf("%v: created %d until %d, want created since %d and banned for an hour", e.subnet, e.created, e.bannedUntil, before)
		}
	}
	for _, b := range bans {
		ours, ok := written[b.want]
		switch {
		case !ok:
			t.Errorf("setban %s: Core reads no ban of %s from\n%s", b.given, b.want, data)
		case ours != b.want:
			t.Errorf("setban %s: written %q, Core writes %q", b.given, ours, b.want)
		}
	}
	if len(got) != len(bans) {
		t.Errorf("Core reads %d bans, want %d\n%s", len(got), len(bans), data)
	}
}

// The reader above refuses and drops what Core's does, so that its
// acceptance of our file means something.
func TestCoreBanlistReaderIsStrict(t *testing.T) {
	entry := func(version, address, created string) string {
		return `{"version": ` + version + `, "ban_created": ` + created + `, "banned_until": 2000000000, "address": "` + address + `"}`
	}
	ok := entry("1", "1.2.3.4/32", "1700000000")
	for _, tc := range []struct {
		name, file string
		refused    bool
		dropped    int
	}{
		{"as Core writes it", `{"banned_nets": [` + ok + `]}`, false, 0},
		{"no banned_nets", `{}`, true, 0},
		{"key twice", `{"banned_nets": [], "banned_nets": [` + ok + `]}`, true, 0},
		{"not an object", `[` + ok + `]`, true, 0},
		{"version as a string", `{"banned_nets": [` + entry(`"1"`, "1.2.3.4/32", "1700000000") + `]}`, true, 0},
		{"time not an integer", `{"banned_nets": [` + entry("1", "1.2.3.4/32", "1.7e9") + `]}`, true, 0},
		{"another version", `{"banned_nets": [` + entry("2", "1.2.3.4/32", "1700000000") + `]}`, false, 1},
		{"IPv4-mapped with an IPv6 length", `{"banned_nets": [` + entry("1", "::ffff:1.2.3.4/128", "1700000000") + `]}`, false, 1},
		{"length past 32", `{"banned_nets": [` + entry("1", "1.2.3.4/33", "1700000000") + `]}`, false, 1},
		{"gapped netmask", `{"banned_nets": [` + entry("1", "1.2.3.4/255.0.255.0", "1700000000") + `]}`, false, 1},
		{"host name", `{"banned_nets": [` + entry("1", "example.com/32", "1700000000") + `]}`, false, 1},
	} {
		_, dropped, err := readBanlistAsCore([]byte(tc.file))
		if (err != nil) != tc.refused || len(dropped) != tc.dropped {
			t.Errorf("%s: err %v, dropped %v; want refused %v, %d dropped", tc.name, err, dropped, tc.refused, tc.dropped)
		}
	}
}
