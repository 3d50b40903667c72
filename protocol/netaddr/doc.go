// Package netaddr holds the network's address rules in one place, named
// after Bitcoin Core's: which network an address belongs to (Core's enum
// Network), whether it is valid, routable or local (CNetAddr::IsValid,
// IsRoutable, IsLocal and the RFC range predicates behind them), its
// network group (NetGroupManager::GetGroup without an AS map), the ports a
// node will not dial (IsBadPort) and subnets as setban, -rpcallowip and
// banlist.json write them (LookupSubNet, CSubNet::ToString).
//
// An Addr is Core's CNetAddr: a network and its address bytes, for IPv4,
// IPv6, Tor v3, I2P, CJDNS and Core's internal names. FromIP takes a
// netip.Addr as Core reads a legacy 16-byte address (IPv4-mapped is IPv4);
// FromBIP155 takes an addrv2 entry's network id and bytes as Core reads
// them. Groups are byte strings, as Core's, so they can key maps.
//
// The package imports nothing of this module; every caller that needs to
// know whether an address is routable or which group it is in asks here.
// Where this node departs from Core on purpose (a test network on one
// machine admitting local addresses), the departure is a named function
// or an explicit parameter (IsRoutableOrLocal, AppendTestGroup), never a
// private copy of the ranges.
package netaddr
