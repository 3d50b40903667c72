package connmgr

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/internal/atomicfile"
	"github.com/actornode/actornode/protocol/netaddr"
)

// The ban list file is Bitcoin Core's banlist.json: an object whose
// "banned_nets" array holds, for each ban, its entry version (1), when it
// was made and when it ends (Unix seconds), and the subnet ("1.2.3.4/32").
// Core can read ours and we can read Core's.
const (
	banFileKey     = "banned_nets"
	banFileVersion = 1
)

// BanFileName is the ban list's file name in a node's data directory, as
// in Core's.
const BanFileName = "banlist.json"

type banFile struct {
	BannedNets []banFileEntry `json:"banned_nets"`
}

type banFileEntry struct {
	Version     int    `json:"version"`
	BanCreated  int64  `json:"ban_created"`
	BannedUntil int64  `json:"banned_until"`
	Address     string `json:"address"`
}

// encodeBans renders the bans in force at now as the file's JSON.
func encodeBans(bans []BanEntry) ([]byte, error) {
	f := banFile{BannedNets: make([]banFileEntry, 0, len(bans))}
	for _, b := range bans {
		f.BannedNets = append(f.BannedNets, banFileEntry{
			Version: banFileVersion, BanCreated: b.Since.Unix(), BannedUntil: b.Until.Unix(),
			Address: subnetText(b.Subnet),
		})
	}
	data, err := json.MarshalIndent(f, "", "    ")
	if err != nil {
		return nil, fmt.Errorf("encode ban list: %w", err)
	}
	return append(data, '\n'), nil
}

// subnetText is a subnet as Core writes it (CSubNet::ToString).
func subnetText(p netip.Prefix) string {
	if sub, ok := netaddr.SubnetFromPrefix(p); ok {
		return sub.String()
	}
	return p.String()
}

// decodeBans parses the file's JSON, reading subnets as Core's
// LookupSubNet does (netaddr.ParseSubnet). Entries of another version or
// with a subnet that does not parse are skipped and described in dropped,
// as Core drops them, and so are bans of a Tor, I2P or CJDNS address,
// which our ban list (IP subnets) cannot hold; a file that is not such
// JSON at all is an error.
func decodeBans(data []byte) (bans []BanEntry, dropped []string, err error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, nil, fmt.Errorf("not a ban list: %w", err)
	}
	list, ok := raw[banFileKey]
	if !ok {
		return nil, nil, fmt.Errorf("not a ban list: no %q", banFileKey)
	}
	var entries []banFileEntry
	if err := json.Unmarshal(list, &entries); err != nil {
		return nil, nil, fmt.Errorf("not a ban list: %s: %w", banFileKey, err)
	}
	for _, e := range entries {
		if e.Version != banFileVersion {
			dropped = append(dropped, fmt.Sprintf("%s: unknown version %d", e.Address, e.Version))
			continue
		}
		sub, err := netaddr.ParseSubnet(e.Address)
		if err != nil {
			dropped = append(dropped, fmt.Sprintf("%q: %v", e.Address, err))
			continue
		}
		subnet, ok := sub.Prefix()
		if !ok {
			dropped = append(dropped, fmt.Sprintf("%q: not an IP subnet; only IP bans are kept", e.Address))
			continue
		}
		bans = append(bans, BanEntry{Subnet: normalize(subnet), Since: time.Unix(e.BanCreated, 0), Until: time.Unix(e.BannedUntil, 0)})
	}
	return bans, dropped, nil
}

// loadBans reads Config.BanFile into the machine's ban list, which drops
// the bans that have ended (the file is then rewritten without them, like
// the entries skipped). A missing file is an empty list; one that cannot
// be read is kept beside as <file>.corrupt, logged, and the list starts
// empty.
func (c *connMgr) loadBans(now time.Time) {
	if c.cfg.BanFile == "" {
		return
	}
	data, err := os.ReadFile(c.cfg.BanFile)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	var bans []BanEntry
	var dropped []string
	if err == nil {
		bans, dropped, err = decodeBans(data)
	}
	if err != nil {
		keep := c.cfg.BanFile + ".corrupt"
		if rerr := os.Rename(c.cfg.BanFile, keep); rerr != nil {
			keep = ""
			c.log.Error("cannot set the unreadable ban list aside", zap.Error(rerr))
		}
		c.log.Error("cannot read the ban list; starting with none", zap.String("file", c.cfg.BanFile),
			zap.String("kept_as", keep), zap.Error(err))
		return
	}
	for _, d := range dropped {
		c.log.Info("dropping an entry from the ban list", zap.String("file", c.cfg.BanFile), zap.String("entry", d))
	}
	c.m.LoadBans(now, bans, len(dropped) > 0)
	c.log.Debug("loaded the ban list", zap.String("file", c.cfg.BanFile), zap.Int("bans", len(c.m.Bans(now))))
}

// saveBans writes bans to Config.BanFile (Core's DumpBanlist) and reports
// whether that worked; the machine asks again after a failure.
func (c *connMgr) saveBans(bans []BanEntry) bool {
	data, err := encodeBans(bans)
	if err == nil {
		err = atomicfile.Write(c.cfg.BanFile, data)
	}
	if err != nil {
		c.log.Error("cannot save the ban list", zap.Error(err))
		return false
	}
	return true
}
