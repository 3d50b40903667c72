package connmgr

import (
	"net/netip"

	"github.com/actornode/actornode/actors/connmgr/machine"
)

// DefaultBanTime is how long a Ban with a zero Until lasts (Core's
// DEFAULT_MISBEHAVING_BANTIME, 24 hours).
const DefaultBanTime = machine.DefaultBanTime

// normalize turns a ban subnet into its canonical form (see
// machine.NormalizeSubnet).
func normalize(p netip.Prefix) netip.Prefix { return machine.NormalizeSubnet(p) }
