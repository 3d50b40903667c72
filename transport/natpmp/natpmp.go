package natpmp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"

	natpmplib "github.com/jackpal/go-nat-pmp"

	"github.com/actornode/actornode/transport/portmap"
)

// DefaultTimeout bounds one call when the context has no earlier deadline.
const DefaultTimeout = 2 * time.Second

// Result codes of RFC 6886 section 3.5.
const (
	ResultSuccess        = 0
	ResultUnsuppVersion  = 1
	ResultNotAuthorized  = 2
	ResultNetworkFailure = 3
	ResultOutOfResources = 4
	ResultUnsuppOpcode   = 5
)

// ResultError is a NAT-PMP answer with a non-zero result code.
type ResultError struct {
	Code int
	// Text is the library's description.
	Text string
}

// Error implements error.
func (e *ResultError) Error() string { return "nat-pmp: " + e.Text }

// Unwrap gives the portmap error kind of the code.
func (e *ResultError) Unwrap() error {
	switch e.Code {
	case ResultUnsuppVersion, ResultUnsuppOpcode:
		return portmap.ErrUnsupported
	case ResultNotAuthorized:
		return portmap.ErrRefused
	case ResultNetworkFailure:
		return portmap.ErrNoPublicAddress
	case ResultOutOfResources:
		return portmap.ErrNoResources
	}
	return portmap.ErrBadResponse
}

// Client maps ports on one NAT-PMP gateway (UDP port 5351).
type Client struct {
	gateway netip.Addr
	timeout time.Duration
}

// New returns a client of the gateway. timeout bounds each call whose
// context has no earlier deadline; 0 means DefaultTimeout.
func New(gateway netip.Addr, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Client{gateway: gateway, timeout: timeout}
}

// Gateway is the gateway's address.
func (c *Client) Gateway() netip.Addr { return c.gateway }

// lib returns a library client whose retries end by ctx's deadline (or the
// client's timeout). The library cannot be cancelled mid-call, so the
// deadline is what bounds it.
func (c *Client) lib(ctx context.Context) (*natpmplib.Client, error) {
	timeout := c.timeout
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
		if left <= 0 {
			return nil, fmt.Errorf("%w: no time left", portmap.ErrTimeout)
		}
		timeout = min(timeout, left)
	}
	return natpmplib.NewClientWithTimeout(net.IP(c.gateway.AsSlice()), timeout), nil
}

// ExternalAddress asks the gateway for its public address, and its epoch.
func (c *Client) ExternalAddress(ctx context.Context) (netip.Addr, uint32, error) {
	lib, err := c.lib(ctx)
	if err != nil {
		return netip.Addr{}, 0, fmt.Errorf("nat-pmp external address via %s: %w", c.gateway, err)
	}
	res, err := lib.GetExternalAddress()
	if err != nil {
		return netip.Addr{}, 0, fmt.Errorf("nat-pmp external address via %s: %w", c.gateway, classify(err))
	}
	return netip.AddrFrom4(res.ExternalIPAddress), res.SecondsSinceStartOfEpoc, nil
}

// MapTCP maps our TCP port internal, asking for external port suggest (0:
// any), for lifetime (whole seconds), and returns what the gateway granted:
// its public address (asked first: NAT-PMP mapping answers carry none), the
// external port it chose, the lifetime and its epoch.
func (c *Client) MapTCP(ctx context.Context, internal, suggest uint16, lifetime time.Duration) (portmap.Mapping, error) {
	ip, _, err := c.ExternalAddress(ctx)
	if err != nil {
		return portmap.Mapping{}, err
	}
	if !ip.IsValid() || ip.IsUnspecified() {
		return portmap.Mapping{}, fmt.Errorf("nat-pmp via %s: %w: external address %s", c.gateway, portmap.ErrNoPublicAddress, ip)
	}
	lib, err := c.lib(ctx)
	if err != nil {
		return portmap.Mapping{}, fmt.Errorf("nat-pmp map tcp port %d via %s: %w", internal, c.gateway, err)
	}
	secs := max(int(lifetime/time.Second), 1)
	res, err := lib.AddPortMapping("tcp", int(internal), int(suggest), secs)
	if err != nil {
		return portmap.Mapping{}, fmt.Errorf("nat-pmp map tcp port %d via %s: %w", internal, c.gateway, classify(err))
	}
	if res.MappedExternalPort == 0 {
		return portmap.Mapping{}, fmt.Errorf("nat-pmp map tcp port %d via %s: %w: external port 0", internal, c.gateway, portmap.ErrBadResponse)
	}
	return portmap.Mapping{
		Protocol: portmap.NATPMP, Gateway: c.gateway,
		External:     netip.AddrPortFrom(ip, res.MappedExternalPort),
		InternalPort: internal, Lifetime: time.Duration(res.PortMappingLifetimeInSeconds) * time.Second,
		Epoch: res.SecondsSinceStartOfEpoc, HasEpoch: true,
	}, nil
}

// DeleteTCP deletes the mapping of our TCP port internal (RFC 6886 section
// 3.4: lifetime 0, external port 0).
func (c *Client) DeleteTCP(ctx context.Context, internal uint16) error {
	lib, err := c.lib(ctx)
	if err != nil {
		return fmt.Errorf("nat-pmp delete tcp port %d via %s: %w", internal, c.gateway, err)
	}
	if _, err := lib.AddPortMapping("tcp", int(internal), 0, 0); err != nil {
		return fmt.Errorf("nat-pmp delete tcp port %d via %s: %w", internal, c.gateway, classify(err))
	}
	return nil
}

// classify gives the library's error a portmap kind. The library reports
// result codes and timeouts only as text.
func classify(err error) error {
	msg := err.Error()
	var code int
	if _, scanErr := fmt.Sscanf(msg, "Non-zero result code %d", &code); scanErr == nil {
		return &ResultError{Code: code, Text: msg}
	}
	switch {
	case strings.Contains(msg, "Timed out"):
		return fmt.Errorf("%w: %v", portmap.ErrTimeout, err)
	case strings.Contains(msg, "unknown protocol version"):
		return fmt.Errorf("%w: %v", portmap.ErrUnsupported, err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%w: nothing listens on the NAT-PMP port: %v", portmap.ErrUnsupported, err)
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return fmt.Errorf("%w: %v", portmap.ErrNoGateway, err)
	case strings.Contains(msg, "unexpected result size"), strings.Contains(msg, "Unexpected opcode"):
		return fmt.Errorf("%w: %v", portmap.ErrBadResponse, err)
	}
	return err
}
