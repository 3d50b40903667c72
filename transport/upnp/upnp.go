package upnp

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/huin/goupnp"
	"github.com/huin/goupnp/dcps/internetgateway2"
	"github.com/huin/goupnp/soap"

	"github.com/actornode/actornode/protocol/netaddr"
	"github.com/actornode/actornode/transport/portmap"
)

// Description names our mappings in the gateway's table.
const Description = "actornode"

// SOAP fault codes of the WANIPConnection service that we act on.
const (
	FaultActionFailed        = 501
	FaultNotAuthorized       = 606
	FaultNoSuchEntry         = 714
	FaultConflict            = 718
	FaultOnlyPermanentLeases = 725
)

// FaultError is a SOAP fault of the gateway.
type FaultError struct {
	Action      string
	Code        int
	Description string
}

// Error implements error.
func (e *FaultError) Error() string {
	return fmt.Sprintf("upnp %s: fault %d %s", e.Action, e.Code, e.Description)
}

// Unwrap gives the portmap error kind of the fault.
func (e *FaultError) Unwrap() error {
	switch e.Code {
	case FaultNotAuthorized:
		return portmap.ErrRefused
	case FaultConflict:
		return portmap.ErrPortConflict
	case FaultActionFailed:
		return portmap.ErrNoPublicAddress
	case 401, 402:
		return portmap.ErrUnsupported
	}
	return portmap.ErrRefused
}

// service is what the three connection services have in common.
type service interface {
	GetExternalIPAddressCtx(ctx context.Context) (string, error)
	AddPortMappingCtx(ctx context.Context, remoteHost string, externalPort uint16, protocol string,
		internalPort uint16, internalClient string, enabled bool, description string, lease uint32) error
	DeletePortMappingCtx(ctx context.Context, remoteHost string, externalPort uint16, protocol string) error
}

// Client maps ports on one discovered gateway. Calls may come from any
// goroutine, one at a time.
type Client struct {
	svc service
	// v2 is set when the service is WANIPConnection:2 (AddAnyPortMapping).
	v2       *internetgateway2.WANIPConnection2
	kind     string
	location *url.URL
	gateway  netip.Addr
	local    netip.Addr
}

// Gateway is the address of the gateway's control point.
func (c *Client) Gateway() netip.Addr { return c.gateway }

// Service names the service in use, e.g. "WANIPConnection:2".
func (c *Client) Service() string { return c.kind }

// Location is the URL of the gateway's device description.
func (c *Client) Location() string { return c.location.String() }

// LocalAddr is our address as the gateway sees it: the mapping's internal
// client.
func (c *Client) LocalAddr() netip.Addr { return c.local }

type found struct {
	kind string
	svc  service
	v2   *internetgateway2.WANIPConnection2
	sc   *goupnp.ServiceClient
}

// Discover searches for an IGD by SSDP (about 2 s) and returns a client of
// its best connection service: WANIPConnection:2, then :1, then
// WANPPPConnection:1. When prefer is valid, a device at that address wins
// over others. No answer wraps portmap.ErrNoGateway.
func Discover(ctx context.Context, prefer netip.Addr) (*Client, error) {
	type search struct {
		kind string
		run  func(context.Context) ([]found, []error, error)
	}
	searches := []search{
		{"WANIPConnection:2", func(ctx context.Context) ([]found, []error, error) {
			cs, errs, err := internetgateway2.NewWANIPConnection2ClientsCtx(ctx)
			out := make([]found, 0, len(cs))
			for _, c := range cs {
				out = append(out, found{svc: c, v2: c, sc: &c.ServiceClient})
			}
			return out, errs, err
		}},
		{"WANIPConnection:1", func(ctx context.Context) ([]found, []error, error) {
			cs, errs, err := internetgateway2.NewWANIPConnection1ClientsCtx(ctx)
			out := make([]found, 0, len(cs))
			for _, c := range cs {
				out = append(out, found{svc: c, sc: &c.ServiceClient})
			}
			return out, errs, err
		}},
		{"WANPPPConnection:1", func(ctx context.Context) ([]found, []error, error) {
			cs, errs, err := internetgateway2.NewWANPPPConnection1ClientsCtx(ctx)
			out := make([]found, 0, len(cs))
			for _, c := range cs {
				out = append(out, found{svc: c, sc: &c.ServiceClient})
			}
			return out, errs, err
		}},
	}
	results := make([][]found, len(searches))
	problems := make([][]error, len(searches))
	var wg sync.WaitGroup
	for i, s := range searches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fs, errs, err := s.run(ctx)
			for j := range fs {
				fs[j].kind = s.kind
			}
			results[i] = fs
			if err != nil {
				errs = append(errs, err)
			}
			problems[i] = errs
		}()
	}
	wg.Wait()
	var all []found
	for _, fs := range results {
		all = append(all, fs...)
	}
	if len(all) == 0 {
		detail := errors.Join(errors.Join(problems[0]...), errors.Join(problems[1]...), errors.Join(problems[2]...))
		if detail != nil {
			return nil, fmt.Errorf("upnp discovery: %w: no usable IGD answered: %v", portmap.ErrNoGateway, detail)
		}
		return nil, fmt.Errorf("upnp discovery: %w: no IGD answered the SSDP search", portmap.ErrNoGateway)
	}
	pick := all[0]
	if prefer.IsValid() {
		for _, f := range all {
			if host, err := netip.ParseAddr(f.sc.Location.Hostname()); err == nil && host.Unmap() == prefer.Unmap() {
				pick = f
				break
			}
		}
	}
	return newClient(pick)
}

func newClient(f found) (*Client, error) {
	loc := f.sc.Location
	host, err := netip.ParseAddr(loc.Hostname())
	if err != nil {
		return nil, fmt.Errorf("upnp: device location %s: %w: host is not an IP address", loc, portmap.ErrBadResponse)
	}
	port := 80
	if p := loc.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("upnp: device location %s: %w: bad port", loc, portmap.ErrBadResponse)
		}
	}
	local, err := portmap.LocalAddrFor(netip.AddrPortFrom(host.Unmap(), uint16(port)))
	if err != nil {
		return nil, fmt.Errorf("upnp: %w", err)
	}
	return &Client{svc: f.svc, v2: f.v2, kind: f.kind, location: loc, gateway: host.Unmap(), local: local}, nil
}

// ExternalAddress asks the gateway for its public address. An empty or
// non-public answer wraps portmap.ErrNoPublicAddress.
func (c *Client) ExternalAddress(ctx context.Context) (netip.Addr, error) {
	s, err := c.svc.GetExternalIPAddressCtx(ctx)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("upnp external address via %s: %w", c.gateway, classify("GetExternalIPAddress", err))
	}
	ip, perr := netip.ParseAddr(s)
	if s == "" || perr != nil || !public(ip) {
		return netip.Addr{}, fmt.Errorf("upnp external address via %s: %w: answered %q", c.gateway, portmap.ErrNoPublicAddress, s)
	}
	return ip.Unmap(), nil
}

// MapTCP maps external port suggest (0: the same as internal) to our TCP
// port internal for lifetime (whole seconds; 0 asks for a permanent lease)
// and returns the mapping. When the port is held by another host, an IGD v2
// gateway is asked for any free port (AddAnyPortMapping); a gateway that
// only takes permanent leases (fault 725) is asked again with lease 0.
func (c *Client) MapTCP(ctx context.Context, internal, suggest uint16, lifetime time.Duration) (portmap.Mapping, error) {
	ip, err := c.ExternalAddress(ctx)
	if err != nil {
		return portmap.Mapping{}, err
	}
	if suggest == 0 {
		suggest = internal
	}
	lease := uint32(lifetime / time.Second)
	ext := suggest
	err = c.svc.AddPortMappingCtx(ctx, "", suggest, "TCP", internal, c.local.String(), true, Description, lease)
	var fe *FaultError
	if err != nil {
		err = classify("AddPortMapping", err)
		if errors.As(err, &fe) && fe.Code == FaultOnlyPermanentLeases && lease != 0 {
			lease = 0
			err = c.svc.AddPortMappingCtx(ctx, "", suggest, "TCP", internal, c.local.String(), true, Description, 0)
			if err != nil {
				err = classify("AddPortMapping", err)
			}
		}
	}
	if err != nil && errors.As(err, &fe) && fe.Code == FaultConflict && c.v2 != nil {
		var reserved uint16
		reserved, err = c.v2.AddAnyPortMappingCtx(ctx, "", suggest, "TCP", internal, c.local.String(), true, Description, lease)
		if err != nil {
			err = classify("AddAnyPortMapping", err)
		}
		ext = reserved
	}
	if err != nil {
		return portmap.Mapping{}, fmt.Errorf("upnp map tcp port %d via %s: %w", internal, c.gateway, err)
	}
	if ext == 0 {
		return portmap.Mapping{}, fmt.Errorf("upnp map tcp port %d via %s: %w: reserved port 0", internal, c.gateway, portmap.ErrBadResponse)
	}
	return portmap.Mapping{
		Protocol: portmap.UPnP, Gateway: c.gateway, External: netip.AddrPortFrom(ip, ext),
		InternalPort: internal, Lifetime: time.Duration(lease) * time.Second,
	}, nil
}

// DeleteTCP deletes the mapping of external TCP port external. A mapping
// already gone (fault 714) is not an error.
func (c *Client) DeleteTCP(ctx context.Context, external uint16) error {
	err := c.svc.DeletePortMappingCtx(ctx, "", external, "TCP")
	if err == nil {
		return nil
	}
	err = classify("DeletePortMapping", err)
	var fe *FaultError
	if errors.As(err, &fe) && fe.Code == FaultNoSuchEntry {
		return nil
	}
	return fmt.Errorf("upnp delete tcp port %d via %s: %w", external, c.gateway, err)
}

// classify turns a SOAP fault into a *FaultError and any other failure
// into portmap.ErrTimeout.
func classify(action string, err error) error {
	var sf *soap.SOAPFaultError
	if errors.As(err, &sf) {
		return &FaultError{Action: action, Code: sf.Detail.UPnPError.Errorcode, Description: sf.Detail.UPnPError.ErrorDescription}
	}
	// goupnp flattens HTTP failures (deadline included) into text: the
	// gateway did not answer usefully.
	return fmt.Errorf("%w: %v", portmap.ErrTimeout, err)
}

// public reports whether ip can be a gateway's public address: one Core
// would take as a local address (AddLocal: IsRoutable), so not private,
// shared (RFC 6598), loopback, link-local, documentation or unspecified.
func public(ip netip.Addr) bool { return netaddr.FromIP(ip).IsRoutable() }

// FromURL returns a client of the gateway whose device description is at
// loc (such as http://192.168.1.1:5000/rootDesc.xml), skipping SSDP.
func FromURL(ctx context.Context, loc *url.URL) (*Client, error) {
	root, err := goupnp.DeviceByURLCtx(ctx, loc)
	if err != nil {
		return nil, fmt.Errorf("upnp: %w: device description: %v", portmap.ErrNoGateway, err)
	}
	if cs, err := internetgateway2.NewWANIPConnection2ClientsFromRootDevice(root, loc); err == nil && len(cs) > 0 {
		return newClient(found{kind: "WANIPConnection:2", svc: cs[0], v2: cs[0], sc: &cs[0].ServiceClient})
	}
	if cs, err := internetgateway2.NewWANIPConnection1ClientsFromRootDevice(root, loc); err == nil && len(cs) > 0 {
		return newClient(found{kind: "WANIPConnection:1", svc: cs[0], sc: &cs[0].ServiceClient})
	}
	if cs, err := internetgateway2.NewWANPPPConnection1ClientsFromRootDevice(root, loc); err == nil && len(cs) > 0 {
		return newClient(found{kind: "WANPPPConnection:1", svc: cs[0], sc: &cs[0].ServiceClient})
	}
	return nil, fmt.Errorf("upnp: %s: %w: no WANIPConnection or WANPPPConnection service", loc, portmap.ErrUnsupported)
}
