package nat

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/connmgr"
	"github.com/actornode/actornode/actors/inspect"
	"github.com/actornode/actornode/actors/nat/machine"
	"github.com/actornode/actornode/protocol/netaddr"
	"github.com/actornode/actornode/transport/portmap"
)

// Defaults of Config.
const (
	// DefaultRequestTimeout bounds one PCP or NAT-PMP exchange with the
	// gateway (retransmissions included).
	DefaultRequestTimeout = 2 * time.Second
	// DefaultUnmapTimeout bounds the delete at shutdown.
	DefaultUnmapTimeout = 2 * time.Second
	// upnpTimeout bounds a UPnP map: 2 s of SSDP discovery, then the SOAP
	// calls.
	upnpTimeout = 10 * time.Second
	// listenersWait is the pause between questions to connmgr while its
	// listeners are not yet bound; maxListenerAsks bounds them (10 s).
	listenersWait   = 100 * time.Millisecond
	maxListenerAsks = 100
)

// Config is what the nat actor is built with.
type Config struct {
	// NATPMP maps the port with PCP, falling back to NAT-PMP (Core's
	// -natpmp).
	NATPMP bool
	// UPnP maps the port with UPnP IGD, after PCP and NAT-PMP when those
	// are on too (-upnp).
	UPnP bool
	// Gateway is the PCP/NAT-PMP gateway (-natpmpgateway); the zero value
	// means the default route's gateway. UPnP prefers a device at this
	// address when several answer.
	Gateway netip.Addr
	// ExternalIPs are our public addresses given by the operator
	// (-externalip); a port of 0 means the listening port.
	ExternalIPs []netip.AddrPort
	// Discover adds the routable addresses of local interfaces as our own
	// (-discover).
	Discover bool
	// Lifetime is the mapping lifetime asked of the gateway; 0 means 40
	// minutes (machine.DefaultLifetime).
	Lifetime time.Duration
	// RequestTimeout bounds one PCP or NAT-PMP exchange; 0 means
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
	// UnmapTimeout bounds the delete at Stop; 0 means DefaultUnmapTimeout.
	UnmapTimeout time.Duration
	// ConnMgr is told our own addresses and asked for the listening port.
	ConnMgr *actor.PID
	// Logger receives the actor's lines; nil means zap.NewNop().
	Logger *zap.Logger
	// Clock is the time source; nil means time.Now. Timers use the time
	// package (fake inside a testing/synctest bubble).
	Clock func() time.Time
}

// Protocols lists the protocols cfg tries, in order.
func (cfg Config) Protocols() []portmap.Protocol {
	var out []portmap.Protocol
	if cfg.NATPMP {
		out = append(out, portmap.PCP, portmap.NATPMP)
	}
	if cfg.UPnP {
		out = append(out, portmap.UPnP)
	}
	return out
}

// Option changes how the actor works: behaviour, not data.
type Option func(*options) error

type options struct {
	backends           map[portmap.Protocol]Backend
	retryMin, retryMax time.Duration
}

// WithBackend replaces the client of one protocol, for tests.
func WithBackend(p portmap.Protocol, b Backend) Option {
	return func(o *options) error {
		if b == nil {
			return fmt.Errorf("nat: WithBackend(%s): nil backend", p)
		}
		o.backends[p] = b
		return nil
	}
}

// WithRetry sets the backoff after a round of failures: min, doubling up
// to max (defaults 1 and 15 minutes).
func WithRetry(min, max time.Duration) Option {
	return func(o *options) error {
		if min <= 0 || max < min {
			return fmt.Errorf("nat: WithRetry(%v, %v): want 0 < min <= max", min, max)
		}
		o.retryMin, o.retryMax = min, max
		return nil
	}
}

// Props returns the props of a nat actor. An option that is misused makes
// the actor log the error and map nothing.
func Props(cfg Config, opts ...Option) *actor.Props {
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.UnmapTimeout <= 0 {
		cfg.UnmapTimeout = DefaultUnmapTimeout
	}
	o := options{backends: make(map[portmap.Protocol]Backend)}
	var optErr error
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			optErr = errors.Join(optErr, err)
		}
	}
	gw := fixedOrDefault(cfg.Gateway)
	defaults := map[portmap.Protocol]func() Backend{
		portmap.PCP:    func() Backend { return &pcpBackend{gateway: gw, timeout: cfg.RequestTimeout} },
		portmap.NATPMP: func() Backend { return &natpmpBackend{gateway: gw, timeout: cfg.RequestTimeout} },
		portmap.UPnP:   func() Backend { return &upnpBackend{prefer: cfg.Gateway} },
	}
	return actor.PropsFromProducer(func() actor.Actor {
		backends := make(map[portmap.Protocol]Backend, len(defaults))
		for p, mk := range defaults {
			backends[p] = o.backends[p]
			if backends[p] == nil {
				backends[p] = mk()
			}
		}
		return &natActor{cfg: cfg, log: cfg.Logger, now: cfg.Clock, opts: o, optErr: optErr, backends: backends}
	})
}

// natActor is the actor. Only its Receive goroutine touches these fields;
// the request goroutines get copies of what they need and answer by
// message.
type natActor struct {
	cfg      Config
	log      *zap.Logger
	now      func() time.Time
	opts     options
	optErr   error
	backends map[portmap.Protocol]Backend

	m    *machine.Machine
	port uint16
	asks int
	// seq numbers requests and wakes, so a late answer to an abandoned one
	// is recognised.
	seq     uint64
	wakeSeq uint64
	timer   *time.Timer
	// locals are the addresses given to connmgr, for Status and removal.
	locals []connmgr.LocalAddr
	// stopping is set once Stop arrived; deadline ends it regardless.
	stopping bool
	deadline *time.Timer
	done     bool
}

// Receive handles one message.
func (a *natActor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		a.started(ctx)
	case *connmgr.Listeners:
		a.listeners(ctx, msg)
	case *askListeners:
		a.askListeners(ctx)
	case *mapDone:
		a.mapDone(ctx, msg)
	case *unmapDone:
		a.unmapDone(ctx, msg)
	case *wake:
		a.wake(ctx, msg)
	case *discovered:
		a.discovered(ctx, msg)
	case *Stop:
		a.stop(ctx)
	case *stopDeadline:
		a.stopDeadline(ctx)
	case *GetStatus:
		ctx.Send(msg.ReplyTo, a.status())
	case *inspect.Describe:
		a.describe(ctx, msg)
	case *actor.Stopping:
		a.abandon(ctx)
	case *actor.Stopped, *actor.Restarting:
	default:
		a.log.Debug("unexpected message", zap.String("type", fmt.Sprintf("%T", msg)))
	}
}

func (a *natActor) started(ctx actor.Context) {
	if a.optErr != nil {
		a.log.Error("nat actor misconfigured; not mapping", zap.Error(a.optErr))
		return
	}
	for _, ap := range a.cfg.ExternalIPs {
		a.setLocal(ctx, ap, connmgr.LocalManual)
	}
	if a.cfg.Discover {
		a.startDiscover(ctx)
	}
	if len(a.cfg.Protocols()) > 0 {
		a.askListeners(ctx)
	}
}

func (a *natActor) askListeners(ctx actor.Context) {
	if a.stopping || a.cfg.ConnMgr == nil {
		return
	}
	a.asks++
	ctx.Send(a.cfg.ConnMgr, &connmgr.GetListeners{ReplyTo: ctx.Self()})
}

// listeners picks the port to map once connmgr's listeners are bound:
// the first IPv4 listener's, else the first's.
func (a *natActor) listeners(ctx actor.Context, msg *connmgr.Listeners) {
	if a.m != nil || a.stopping {
		return
	}
	if !msg.Ready {
		if a.asks >= maxListenerAsks {
			a.log.Warn("port mapping off: connmgr's listeners did not become ready")
			return
		}
		root, self := ctx.ActorSystem().Root, ctx.Self()
		time.AfterFunc(listenersWait, func() { root.Send(self, &askListeners{}) })
		return
	}
	var port uint16
	for _, ap := range msg.Addrs {
		if ap.Addr().Unmap().Is4() {
			port = ap.Port()
			break
		}
	}
	if port == 0 && len(msg.Addrs) > 0 {
		port = msg.Addrs[0].Port()
	}
	if port == 0 {
		a.log.Info("port mapping off: the node is not listening")
		return
	}
	a.port = port
	protos := a.cfg.Protocols()
	names := make([]string, len(protos))
	for i, p := range protos {
		names[i] = string(p)
	}
	a.m = machine.New(machine.Config{Protocols: names, InternalPort: port, Lifetime: a.cfg.Lifetime,
		RetryMin: a.opts.retryMin, RetryMax: a.opts.retryMax})
	gw := "the default route's"
	if a.cfg.Gateway.IsValid() {
		gw = a.cfg.Gateway.String()
	}
	a.log.Info("mapping the listening port", zap.Uint16("port", port), zap.Strings("protocols", names),
		zap.String("gateway", gw))
	a.apply(ctx, a.m.Start(a.now(), nil))
}

// apply carries out the machine's outputs.
func (a *natActor) apply(ctx actor.Context, out []machine.Output) {
	for _, o := range out {
		switch o.Kind {
		case machine.OutMap:
			a.startMap(ctx, portmap.Protocol(o.Protocol), o.Suggest)
		case machine.OutUnmap:
			a.startUnmap(ctx, o.Mapping)
		case machine.OutAdvertise:
			a.setLocal(ctx, o.Addr, a.m.Status().Mapping.Protocol)
		case machine.OutWithdraw:
			a.removeLocal(ctx, o.Addr)
		case machine.OutWake:
			a.setWake(ctx, o.At)
		case machine.OutEvent:
			a.logEvent(o.Event)
		case machine.OutDone:
			a.finish(ctx)
		}
	}
}

// startMap runs one map request on a goroutine of its own.
func (a *natActor) startMap(ctx actor.Context, p portmap.Protocol, suggest uint16) {
	a.seq++
	seq, b, port, lifetime := a.seq, a.backends[p], a.port, a.m.Lifetime()
	timeout := 2*a.cfg.RequestTimeout + 500*time.Millisecond
	if p == portmap.UPnP {
		timeout = upnpTimeout
	}
	root, self := ctx.ActorSystem().Root, ctx.Self()
	go func() {
		res := &mapDone{seq: seq}
		defer func() {
			if r := recover(); r != nil {
				res = &mapDone{seq: seq, err: fmt.Errorf("%s map: panic: %v", p, r)}
			}
			root.Send(self, res)
		}()
		c, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		res.mapping, res.err = b.Map(c, port, suggest, lifetime)
		if res.err == nil && res.mapping.Protocol == "" {
			res.mapping.Protocol = p
		}
	}()
}

func (a *natActor) mapDone(ctx actor.Context, msg *mapDone) {
	if a.m == nil || msg.seq != a.seq || a.done {
		return
	}
	now := a.now()
	if msg.err != nil {
		a.apply(ctx, a.m.Failed(now, msg.err, nil))
		return
	}
	mp := msg.mapping
	a.apply(ctx, a.m.Mapped(now, machine.Mapping{
		Protocol: string(mp.Protocol), Gateway: mp.Gateway, External: mp.External,
		Lifetime: mp.Lifetime, Epoch: mp.Epoch, HasEpoch: mp.HasEpoch,
	}, nil))
}

// startUnmap deletes a mapping on a goroutine of its own, within
// UnmapTimeout.
func (a *natActor) startUnmap(ctx actor.Context, m machine.Mapping) {
	a.seq++
	seq, b := a.seq, a.backends[portmap.Protocol(m.Protocol)]
	mp := portmap.Mapping{Protocol: portmap.Protocol(m.Protocol), Gateway: m.Gateway, External: m.External,
		InternalPort: a.port, Lifetime: m.Lifetime}
	timeout := a.cfg.UnmapTimeout
	root, self := ctx.ActorSystem().Root, ctx.Self()
	go func() {
		res := &unmapDone{seq: seq}
		defer func() {
			if r := recover(); r != nil {
				res = &unmapDone{seq: seq, err: fmt.Errorf("%s delete: panic: %v", mp.Protocol, r)}
			}
			if root != nil {
				root.Send(self, res)
			}
		}()
		c, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		res.err = b.Unmap(c, mp)
	}()
}

func (a *natActor) unmapDone(ctx actor.Context, msg *unmapDone) {
	if a.m == nil || msg.seq != a.seq || a.done {
		return
	}
	a.apply(ctx, a.m.Unmapped(a.now(), msg.err, nil))
}

func (a *natActor) setWake(ctx actor.Context, at time.Time) {
	if a.timer != nil {
		a.timer.Stop()
	}
	a.wakeSeq++
	seq := a.wakeSeq
	root, self := ctx.ActorSystem().Root, ctx.Self()
	a.timer = time.AfterFunc(max(at.Sub(a.now()), 0), func() { root.Send(self, &wake{seq: seq}) })
}

func (a *natActor) wake(ctx actor.Context, msg *wake) {
	if a.m == nil || msg.seq != a.wakeSeq || a.done {
		return
	}
	a.apply(ctx, a.m.Wake(a.now(), nil))
}

// stop begins the ordered stop: the machine deletes the mapping, the
// deadline bounds it.
func (a *natActor) stop(ctx actor.Context) {
	if a.stopping {
		return
	}
	a.stopping = true
	if a.timer != nil {
		a.timer.Stop()
	}
	for _, l := range a.locals {
		if l.Source == connmgr.LocalManual || l.Source == connmgr.LocalInterface {
			a.removeLocal(ctx, l.Addr)
		}
	}
	if a.m == nil {
		a.finish(ctx)
		return
	}
	root, self := ctx.ActorSystem().Root, ctx.Self()
	// The request goroutines are bounded by UnmapTimeout already; a quarter
	// more lets their answer arrive.
	a.deadline = time.AfterFunc(a.cfg.UnmapTimeout*5/4, func() { root.Send(self, &stopDeadline{}) })
	a.apply(ctx, a.m.Stop(a.now(), nil))
}

func (a *natActor) stopDeadline(ctx actor.Context) {
	if a.done {
		return
	}
	a.log.Warn("port mapping not deleted in time; the gateway drops it when its lifetime ends",
		zap.Duration("waited", a.cfg.UnmapTimeout))
	a.finish(ctx)
}

func (a *natActor) finish(ctx actor.Context) {
	if a.done {
		return
	}
	a.done = true
	if a.deadline != nil {
		a.deadline.Stop()
	}
	if a.timer != nil {
		a.timer.Stop()
	}
	if a.stopping {
		ctx.Stop(ctx.Self())
	}
}

// abandon runs when the actor is stopped without Stop (its parent
// failing, a poison pill): the delete is started but not waited for.
func (a *natActor) abandon(ctx actor.Context) {
	if a.timer != nil {
		a.timer.Stop()
	}
	if a.deadline != nil {
		a.deadline.Stop()
	}
	if a.stopping || a.m == nil {
		return
	}
	st := a.m.Status()
	if !st.Held {
		return
	}
	a.log.Info("stopped without Stop: deleting the port mapping in the background")
	b := a.backends[portmap.Protocol(st.Mapping.Protocol)]
	mp := portmap.Mapping{Protocol: portmap.Protocol(st.Mapping.Protocol), Gateway: st.Mapping.Gateway,
		External: st.Mapping.External, InternalPort: a.port}
	timeout := a.cfg.UnmapTimeout
	go func() {
		defer func() { _ = recover() }()
		c, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		_ = b.Unmap(c, mp)
	}()
}

func (a *natActor) setLocal(ctx actor.Context, addr netip.AddrPort, source string) {
	entry := connmgr.LocalAddr{Addr: addr, Source: source}
	replaced := false
	for i, l := range a.locals {
		if l.Addr == addr {
			a.locals[i], replaced = entry, true
		}
	}
	if !replaced {
		a.locals = append(a.locals, entry)
	}
	if a.cfg.ConnMgr != nil {
		ctx.Send(a.cfg.ConnMgr, &connmgr.SetLocalAddr{Addr: addr, Source: source})
	}
}

func (a *natActor) removeLocal(ctx actor.Context, addr netip.AddrPort) {
	for i, l := range a.locals {
		if l.Addr == addr {
			a.locals = append(a.locals[:i], a.locals[i+1:]...)
			break
		}
	}
	if a.cfg.ConnMgr != nil {
		ctx.Send(a.cfg.ConnMgr, &connmgr.RemoveLocalAddr{Addr: addr})
	}
}

func (a *natActor) logEvent(e machine.Event) {
	mp := e.Mapping
	fields := []zap.Field{zap.String("protocol", e.Protocol)}
	if mp.External.IsValid() {
		fields = append(fields, zap.Stringer("gateway", mp.Gateway), zap.Stringer("external", mp.External),
			zap.Duration("lifetime", mp.Lifetime))
	}
	if e.Next != "" {
		fields = append(fields, zap.String("next", e.Next))
	}
	switch e.Kind {
	case machine.EventMapped:
		a.log.Info("port mapped", append(fields, zap.Uint16("internal_port", a.port))...)
	case machine.EventRenewed:
		a.log.Debug("port mapping renewed", fields...)
	case machine.EventChanged:
		a.log.Info("port mapping changed", fields...)
	case machine.EventGatewayRestarted:
		a.log.Warn("gateway restarted and lost its mappings", fields...)
	case machine.EventExpired:
		a.log.Warn("port mapping expired without renewal", fields...)
	case machine.EventFailed:
		fields = append(fields, zap.Error(e.Err), zap.String("meaning", portmap.Explain(e.Err)))
		if e.Repeat {
			a.log.Debug("port mapping failed again", fields...)
		} else {
			a.log.Warn("port mapping failed", fields...)
		}
	case machine.EventUnmapped:
		if e.Err != nil {
			a.log.Warn("port mapping not deleted; the gateway drops it when its lifetime ends",
				append(fields, zap.Error(e.Err))...)
		} else {
			a.log.Info("port mapping deleted", fields...)
		}
	}
}

func (a *natActor) status() *Status {
	st := &Status{Protocols: a.cfg.Protocols(), State: "off", InternalPort: a.port,
		LocalAddrs: append([]connmgr.LocalAddr(nil), a.locals...)}
	if a.m == nil {
		return st
	}
	ms := a.m.Status()
	st.State = ms.State.String()
	if ms.Held {
		st.Protocol = portmap.Protocol(ms.Mapping.Protocol)
		st.Gateway = ms.Mapping.Gateway
		st.External = ms.Mapping.External
		st.Lifetime = ms.Mapping.Lifetime
		st.LifetimeSeconds = int64(ms.Mapping.Lifetime / time.Second)
		st.Expires = ms.Expires
	}
	st.NextAttempt = ms.NextAttempt
	st.Renewals, st.GatewayRestarts, st.Failures = ms.Renewals, ms.GatewayRestarts, ms.Failures
	if ms.LastError != nil {
		st.LastError = ms.LastError.Error() + " (" + portmap.Explain(ms.LastError) + ")"
		st.LastErrorAt = ms.LastErrorAt
	}
	return st
}

func (a *natActor) describe(ctx actor.Context, msg *inspect.Describe) {
	st := a.status()
	summary := map[string]any{
		"state":     st.State,
		"protocols": st.Protocols,
		"renewals":  st.Renewals,
		"failures":  st.Failures,
	}
	if st.External.IsValid() {
		summary["protocol"] = st.Protocol
		summary["external"] = st.External.String()
		summary["gateway"] = st.Gateway.String()
	}
	if st.LastError != "" {
		summary["last_error"] = st.LastError
	}
	if len(st.LocalAddrs) > 0 {
		summary["local_addresses"] = len(st.LocalAddrs)
	}
	ctx.Send(msg.ReplyTo, &inspect.Description{Self: ctx.Self(), Kind: "nat", Children: ctx.Children(), Summary: summary})
}

// startDiscover lists the routable addresses of local interfaces on a
// goroutine of its own.
func (a *natActor) startDiscover(ctx actor.Context) {
	root, self := ctx.ActorSystem().Root, ctx.Self()
	go func() {
		res := &discovered{}
		defer func() {
			if r := recover(); r != nil {
				res = &discovered{err: fmt.Errorf("discover: panic: %v", r)}
			}
			root.Send(self, res)
		}()
		addrs, err := net.InterfaceAddrs()
		if err != nil {
			res.err = fmt.Errorf("discover: list interface addresses: %w", err)
			return
		}
		for _, ad := range addrs {
			if ipn, ok := ad.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(ipn.IP); ok && netaddr.FromIP(ip).IsRoutable() {
					res.addrs = append(res.addrs, ip.Unmap())
				}
			}
		}
	}()
}

func (a *natActor) discovered(ctx actor.Context, msg *discovered) {
	if a.stopping {
		return
	}
	if msg.err != nil {
		a.log.Warn("cannot discover own addresses", zap.Error(msg.err))
		return
	}
	for _, ip := range msg.addrs {
		a.setLocal(ctx, netip.AddrPortFrom(ip, 0), connmgr.LocalInterface)
	}
	if len(msg.addrs) > 0 {
		a.log.Info("discovered own addresses", zap.Int("count", len(msg.addrs)))
	}
}
