package node

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/actornode/actornode/actors/rpc"
	"github.com/actornode/actornode/protocol/netaddr"
)

// validateRPC checks the RPC keys. Unlike Core, which ignores -rpcbind
// without -rpcallowip, a non-loopback rpcbind without rpcallowip is an
// error: a setting must never be dropped silently.
func (c *Config) validateRPC() error {
	if c.RPCPort < 0 || c.RPCPort > 65535 {
		return keyErr("rpcport", "%d is outside 0..65535", c.RPCPort)
	}
	for _, b := range c.RPCBind {
		ap, err := parseBind(b, 0)
		if err != nil {
			return keyErr("rpcbind", "%v", err)
		}
		if !ap.Addr().IsLoopback() && len(c.RPCAllowIP) == 0 {
			return keyErr("rpcbind", "%q is not loopback: give rpcallowip too (the RPC server controls the node)", b)
		}
	}
	if _, err := c.RPCAllowNets(); err != nil {
		return err
	}
	for _, line := range c.RPCAuth {
		if _, _, _, err := rpc.ParseRPCAuth(line); err != nil {
			return keyErr("rpcauth", "%v", err)
		}
	}
	if c.RPCThreads < 1 {
		return keyErr("rpcthreads", "%d is less than 1", c.RPCThreads)
	}
	if c.RPCWorkQueue < 1 {
		return keyErr("rpcworkqueue", "%d is less than 1", c.RPCWorkQueue)
	}
	if c.RPCServerTimeout < time.Second {
		return keyErr("rpcservertimeout", "%v is shorter than 1s (clients must not hold connections forever)", c.RPCServerTimeout)
	}
	return nil
}

// validateDebug checks the debug endpoint's keys: as rpcbind, a
// non-loopback debugaddr (0.0.0.0 included) needs debugallowip, since the
// endpoint shows the peers and the profiles and changes the log.
func (c *Config) validateDebug() error {
	if c.DebugAddr == "" || c.DebugAddr == "off" {
		return nil
	}
	ap, err := netip.ParseAddrPort(c.DebugAddr)
	if err != nil {
		return keyErr("debugaddr", "%q is not IP:PORT", c.DebugAddr)
	}
	if !ap.Addr().IsLoopback() && len(c.DebugAllowIP) == 0 {
		return keyErr("debugaddr", "%q is not loopback: give debugallowip too (the endpoint is not authenticated)", c.DebugAddr)
	}
	if _, err := c.DebugAllowNets(); err != nil {
		return err
	}
	return nil
}

// DebugAllowNets parses DebugAllowIP, as RPCAllowNets.
func (c *Config) DebugAllowNets() ([]netip.Prefix, error) {
	return allowNets("debugallowip", c.DebugAllowIP)
}

// seconds is a duration key that also takes Core's bare number of seconds.
func seconds(key string, p *time.Duration) field {
	return field{set: func(s string) error {
		if n, err := strconv.Atoi(s); err == nil {
			*p = time.Duration(n) * time.Second
			return nil
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return keyErr(key, "%q is not a number of seconds or a duration such as 30s", s)
		}
		*p = d
		return nil
	}}
}

// RPCListenPort is RPCPort or Core's default RPC port for the network.
func (c *Config) RPCListenPort() uint16 {
	if c.RPCPort != 0 {
		return uint16(c.RPCPort)
	}
	return rpc.DefaultPort(c.Network)
}

// RPCBindAddrs resolves RPCBind (or its default, 127.0.0.1 and ::1).
func (c *Config) RPCBindAddrs() []netip.AddrPort {
	port := c.RPCListenPort()
	if len(c.RPCBind) == 0 {
		return []netip.AddrPort{
			netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), port),
			netip.AddrPortFrom(netip.IPv6Loopback(), port),
		}
	}
	out := make([]netip.AddrPort, 0, len(c.RPCBind))
	for _, b := range c.RPCBind {
		if ap, err := parseBind(b, port); err == nil {
			out = append(out, ap)
		}
	}
	return out
}

// RPCAllowNets parses RPCAllowIP: "IP", "IP/bits" or "IP/netmask".
func (c *Config) RPCAllowNets() ([]netip.Prefix, error) {
	return allowNets("rpcallowip", c.RPCAllowIP)
}

// allowNets reads the subnets of an allow list (key names it in errors)
// as Core's LookupSubNet does; they must be IP subnets.
func allowNets(key string, list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		sub, err := netaddr.ParseSubnet(s)
		if err != nil {
			return nil, keyErr(key, "%q is not IP, IP/bits or IP/netmask", s)
		}
		p, ok := sub.Prefix()
		if !ok {
			return nil, keyErr(key, "%q is not an IP address or subnet", s)
		}
		out = append(out, p)
	}
	return out, nil
}
