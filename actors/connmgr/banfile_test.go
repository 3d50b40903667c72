package connmgr

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/actornode/actornode/actors/actortest"
)

// listBans asks the rig's connmgr for its bans.
func (r *rig) listBans() []BanEntry {
	r.t.Helper()
	p := actortest.NewProbe(r.t, r.system)
	defer p.Stop()
	r.send(&ListBans{ReplyTo: p.PID()})
	return actortest.Expect[*Bans](r.t, p, wait).List
}

// readBanFile waits until the file holds n bans and returns them as JSON.
func readBanFile(t *testing.T, path string, n int) []map[string]any {
	t.Helper()
	var got []map[string]any
	actortest.Eventually(t, wait, fmt.Sprintf("%d bans in %s", n, path), func() bool {
		var f map[string][]map[string]any
		data, err := os.ReadFile(path)
		if err != nil || json.Unmarshal(data, &f) != nil {
			return false
		}
		got = f["banned_nets"]
		return len(got) == n
	})
	return got
}

func TestBansPersistInCoresBanlistFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), BanFileName)
	r := newRig(t, Config{BanFile: path})
	until := time.Now().Add(time.Hour).Truncate(time.Second)
	r.send(&Ban{Subnet: netip.MustParsePrefix("9.9.9.0/24"), Until: until})
	r.send(&Ban{Subnet: netip.MustParsePrefix("2001:db8::1/128")})
	got := readBanFile(t, path, 2)
	entries := map[string]map[string]any{}
	for _, e := range got {
		entries[e["address"].(string)] = e
	}
	e := entries["9.9.9.0/24"]
	if e == nil || e["version"] != 1.0 || e["banned_until"] != float64(until.Unix()) || e["ban_created"].(float64) <= 0 {
		t.Fatalf("file entries %v, want 9.9.9.0/24 version 1 until %d", got, until.Unix())
	}
	if entries["2001:db8::1/128"] == nil {
		t.Fatalf("file entries %v, want 2001:db8::1/128", got)
	}
	r.send(&Unban{Subnet: netip.MustParsePrefix("2001:db8::1/128")})
	readBanFile(t, path, 1)

	// A new manager reads the list back.
	r2 := newRig(t, Config{BanFile: path})
	bans := r2.listBans()
	if len(bans) != 1 || bans[0].Subnet != netip.MustParsePrefix("9.9.9.0/24") || !bans[0].Until.Equal(until) {
		t.Fatalf("bans after a restart %+v, want 9.9.9.0/24 until %v", bans, until)
	}
	r2.send(&ClearBans{})
	readBanFile(t, path, 0)
}

func TestBanFileFromCoreSkipsExpiredAndUnknownEntries(t *testing.T) {
	path := filepath.Join(t.TempDir(), BanFileName)
	now := time.Now().Unix()
	// As Core writes it, with an expired ban, an entry of a future version
	// and one whose subnet does not parse.
	file := `{
    "banned_nets": [
        {"version": 1, "ban_created": ` + itoa(now-100) + `, "banned_until": ` + itoa(now+3600) + `, "address": "1.2.3.4/32"},
        {"version": 1, "ban_created": ` + itoa(now-100) + `, "banned_until": ` + itoa(now-10) + `, "address": "5.6.7.0/24"},
        {"version": 2, "ban_created": ` + itoa(now-100) + `, "banned_until": ` + itoa(now+3600) + `, "address": "8.8.8.8/32"},
        {"version": 1, "ban_created": ` + itoa(now-100) + `, "banned_until": ` + itoa(now+3600) + `, "address": "not-a-subnet"}
    ]
}`
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	r := newRig(t, Config{BanFile: path})
	bans := r.listBans()
	if len(bans) != 1 || bans[0].Subnet != netip.MustParsePrefix("1.2.3.4/32") {
		t.Fatalf("bans %+v, want only 1.2.3.4/32", bans)
	}
	if n := r.logs.FilterMessage("dropping an entry from the ban list").Len(); n != 2 {
		t.Fatalf("%d entries logged as dropped, want 2 (the expired one just ends)", n)
	}
	// The file is rewritten without them, as Core does.
	if got := readBanFile(t, path, 1); got[0]["address"] != "1.2.3.4/32" {
		t.Fatalf("file after loading: %v", got)
	}
}

func TestUnreadableBanFileIsKeptAsideAndTheListStartsEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), BanFileName)
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := newRig(t, Config{BanFile: path})
	if bans := r.listBans(); len(bans) != 0 {
		t.Fatalf("bans %+v from an unreadable file", bans)
	}
	if data, err := os.ReadFile(path + ".corrupt"); err != nil || string(data) != "{not json" {
		t.Fatalf("the unreadable file was not kept: %q, %v", data, err)
	}
	if r.logs.FilterMessage("cannot read the ban list; starting with none").Len() != 1 {
		t.Fatal("the unreadable file was not logged")
	}
	// The next ban writes a good file.
	r.send(&Ban{Subnet: netip.MustParsePrefix("9.9.9.9/32")})
	readBanFile(t, path, 1)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
