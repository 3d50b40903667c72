package pcp

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/actornode/actornode/transport/portmap"
)

// Retransmission of a request: the first wait for an answer, doubled after
// each silent try up to retryMax, until the call's deadline. RFC 6887
// section 8.1.1 starts at 3 s for long-lived clients; a node asks once at
// start-up and at each renewal, and wants an answer (or a fallback to
// NAT-PMP) within a couple of seconds, as Core's 1 s per try does.
const (
	firstWait = 250 * time.Millisecond
	retryMax  = 1 * time.Second
	// maxTries bounds the retransmissions of one request, whatever the
	// timeout.
	maxTries = 16
	// DefaultTimeout bounds one call when the context has no deadline.
	DefaultTimeout = 2 * time.Second
)

// Client maps ports on one PCP server. Its calls may run on any goroutine
// but one at a time: a mapping's nonce is the client's.
type Client struct {
	server  netip.AddrPort
	timeout time.Duration
	nonce   [NonceSize]byte
}

// New returns a client of the PCP server at server (a gateway's address and
// Port). timeout bounds each call whose context has no earlier deadline;
// 0 means DefaultTimeout. The mapping nonce is random.
func New(server netip.AddrPort, timeout time.Duration) (*Client, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	c := &Client{server: server, timeout: timeout}
	if _, err := rand.Read(c.nonce[:]); err != nil {
		return nil, fmt.Errorf("pcp: mapping nonce: %w", err)
	}
	return c, nil
}

// Server is the server's address.
func (c *Client) Server() netip.AddrPort { return c.server }

// MapTCP asks for a mapping of our TCP port internal for lifetime (whole
// seconds), suggesting the external address and port of suggest (zero: no
// preference), and returns what the server granted. Renewing is the same
// call; the external address may come back different.
func (c *Client) MapTCP(ctx context.Context, internal uint16, suggest netip.AddrPort, lifetime time.Duration) (portmap.Mapping, error) {
	ip := suggest.Addr()
	if !ip.IsValid() {
		ip = netip.IPv4Unspecified()
	}
	resp, err := c.Request(ctx, &MapRequest{
		Lifetime: uint32(lifetime / time.Second), Nonce: c.nonce, Protocol: ProtoTCP,
		InternalPort: internal, SuggestedPort: suggest.Port(), SuggestedIP: ip,
	})
	if err != nil {
		return portmap.Mapping{}, fmt.Errorf("pcp map tcp port %d via %s: %w", internal, c.server, err)
	}
	if !resp.External.Addr().IsValid() || resp.External.Addr().IsUnspecified() || resp.External.Port() == 0 {
		return portmap.Mapping{}, fmt.Errorf("pcp map tcp port %d via %s: %w: assigned %s", internal, c.server, portmap.ErrBadResponse, resp.External)
	}
	return portmap.Mapping{
		Protocol: portmap.PCP, Gateway: c.server.Addr(), External: resp.External,
		InternalPort: internal, Lifetime: time.Duration(resp.Lifetime) * time.Second,
		Epoch: resp.Epoch, HasEpoch: true,
	}, nil
}

// DeleteTCP deletes the mapping of our TCP port internal (a MAP request
// with lifetime 0 and the mapping's nonce).
func (c *Client) DeleteTCP(ctx context.Context, internal uint16) error {
	_, err := c.Request(ctx, &MapRequest{
		Nonce: c.nonce, Protocol: ProtoTCP, InternalPort: internal, SuggestedIP: netip.IPv4Unspecified(),
	})
	if err != nil {
		return fmt.Errorf("pcp delete tcp port %d via %s: %w", internal, c.server, err)
	}
	return nil
}

// Request sends r (its Client field filled with our source address when
// unset) and waits for the answer whose nonce matches, retransmitting with
// a doubling wait until ctx's deadline or the client's timeout. No answer at
// all wraps portmap.ErrTimeout; an ICMP port unreachable (nothing listens)
// wraps portmap.ErrUnsupported.
func (c *Client) Request(ctx context.Context, r *MapRequest) (*MapResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(c.server))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", portmap.ErrNoGateway, err)
	}
	defer conn.Close()
	// Wake a blocked read when the context ends.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Now()) })
	defer stop()
	if !r.Client.IsValid() {
		r.Client = conn.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
	}
	req := AppendMapRequest(make([]byte, 0, RequestSize), r)
	buf := make([]byte, MaxMessageSize)
	wait := firstWait
	for try := 1; ; try++ {
		if _, err := conn.Write(req); err != nil {
			return nil, classifyNetErr(err, try)
		}
		tryEnd := time.Now().Add(wait)
		if dl, ok := ctx.Deadline(); ok && dl.Before(tryEnd) {
			tryEnd = dl
		}
		if err := conn.SetReadDeadline(tryEnd); err != nil {
			return nil, fmt.Errorf("pcp: set deadline: %w", err)
		}
		resp, err := c.readAnswer(conn, buf, r.Nonce)
		if err == nil || !isTimeout(err) {
			if err != nil && !isResultErr(err) && !errors.Is(err, portmap.ErrBadResponse) {
				err = classifyNetErr(err, try)
			}
			return resp, err
		}
		// The deadline itself, not only ctx.Err(): the context's timer may
		// fire a moment after the deadline has passed, and a read with a
		// past deadline returns at once.
		if dl, _ := ctx.Deadline(); ctx.Err() != nil || !time.Now().Before(dl) || try >= maxTries {
			return nil, fmt.Errorf("%w: no answer from %s after %d tries", portmap.ErrTimeout, c.server, try)
		}
		wait = min(2*wait, retryMax)
	}
}

// readAnswer reads until a datagram answers the request with nonce, or the
// read deadline passes. Answers to other nonces are stale: skipped.
func (c *Client) readAnswer(conn *net.UDPConn, buf []byte, nonce [NonceSize]byte) (*MapResponse, error) {
	for range 64 { // bounded: a flood of stray datagrams ends as a timeout-like error
		n, err := conn.Read(buf)
		if err != nil {
			return nil, err
		}
		resp, err := DecodeMapResponse(buf[:n])
		if err != nil {
			return nil, err
		}
		if resp.Nonce != nonce {
			continue
		}
		return resp, nil
	}
	return nil, fmt.Errorf("%w: too many answers for other mappings", portmap.ErrBadResponse)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isResultErr(err error) bool {
	var re *ResultError
	return errors.As(err, &re)
}

func classifyNetErr(err error, try int) error {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("%w: nothing listens on the PCP port (try %d): %v", portmap.ErrUnsupported, try, err)
	}
	if errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH) {
		return fmt.Errorf("%w: %v", portmap.ErrNoGateway, err)
	}
	return fmt.Errorf("pcp: %w", err)
}
