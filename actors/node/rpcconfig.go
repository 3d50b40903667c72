package node

import (
	"net/netip"

	"github.com/actornode/actornode/actors/rpc"
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
	return nil
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
	out := make([]netip.Prefix, 0, len(c.RPCAllowIP))
	for _, s := range c.RPCAllowIP {
		p, ok := rpc.ParseSubnet(s)
		if !ok {
			return nil, keyErr("rpcallowip", "%q is not IP, IP/bits or IP/netmask", s)
		}
		out = append(out, p)
	}
	return out, nil
}
