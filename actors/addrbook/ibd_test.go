package addrbook

import (
	"net/netip"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/actornode/actornode/actors/actortest"
	"github.com/actornode/actornode/actors/peer"
	"github.com/actornode/actornode/protocol"
)

// TestOwnAddressNotAnnouncedInIBD: while the node is in initial block
// download it never sends its own address, neither at the handshake nor
// later (Core's MaybeSendAddr); once it leaves, the announcement is due and
// goes out at the next housekeeping tick.
func TestOwnAddressNotAnnouncedInIBD(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		system := newSystem(t)
		p := actortest.NewProbe(t, system)
		var ibd atomic.Bool
		ibd.Store(true)
		book := system.Root.Spawn(Props(Config{Network: mustNetwork(t, "mainnet"),
			InitialBlockDownload: func(time.Time) bool { return ibd.Load() }}))
		local := netip.MustParseAddrPort("8.8.8.8:8333")
		system.Root.Send(book, &Connected{ID: 1, Peer: p.PID(), Addr: netip.MustParseAddrPort("9.9.9.9:8333"), Local: local})
		sent := func() (announced, getaddrs int) {
			for range len(p.Pending()) {
				sm, ok := p.ExpectAny(t, time.Second).(*peer.SendMessage)
				if !ok {
					continue
				}
				switch m := sm.Msg.(type) {
				case *protocol.MsgAddr:
					for _, na := range m.AddrList {
						if na.AddrPort() == local {
							announced++
						}
					}
				case *protocol.MsgGetAddr:
					getaddrs++
				}
			}
			return announced, getaddrs
		}
		synctest.Wait()
		if n, getaddrs := sent(); n != 0 || getaddrs != 1 {
			t.Fatalf("at the handshake in IBD: %d announcements and %d getaddr, want 0 and 1", n, getaddrs)
		}
		time.Sleep(3 * 24 * time.Hour)
		synctest.Wait()
		if n, _ := sent(); n != 0 {
			t.Fatalf("%d announcements in 3 days of IBD, want 0", n)
		}
		ibd.Store(false)
		time.Sleep(tickInterval + time.Second)
		synctest.Wait()
		if n, _ := sent(); n != 1 {
			t.Fatalf("%d announcements in the minute after leaving IBD, want 1", n)
		}
		if err := system.Root.StopFuture(book).Wait(); err != nil {
			t.Fatal(err)
		}
		p.Stop()
		time.Sleep(2 * time.Second)
		synctest.Wait()
	})
}
