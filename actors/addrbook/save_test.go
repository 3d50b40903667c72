package addrbook

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/actornode/actornode/protocol"
)

// TestFileSavedEveryFifteenMinutes: a running book writes its file every
// 15 minutes (Core's DUMP_PEERS_INTERVAL), not only at stop: nothing
// before the first 15 minutes have passed, the book as it was at 15, and
// the addresses learnt since at 30, the book running all along. The clock
// is synctest's, so the test takes no real quarter of an hour.
func TestFileSavedEveryFifteenMinutes(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	synctest.Test(t, func(t *testing.T) {
		core, _ := observer.New(zap.DebugLevel)
		system := newSystem(t)
		book := system.Root.Spawn(Props(Config{Network: mustNetwork(t, "mainnet"), File: path, Logger: zap.New(core)}))
		add := func(addr string) {
			ap := netip.MustParseAddrPort(addr)
			system.Root.Send(book, &Add{Addrs: []protocol.NetAddress{{Addr: ap.Addr(), Port: ap.Port(), Timestamp: uint32(time.Now().Unix())}}})
		}
		// inFile is the addresses in the file; nil when there is none.
		inFile := func() map[netip.AddrPort]bool {
			synctest.Wait() // the actor and a save under way are done
			if _, err := os.Stat(path); os.IsNotExist(err) {
				return nil
			}
			res := loadFile(path, false)
			if res.book == nil {
				t.Fatalf("the saved file does not load: %v", res.err)
			}
			got := map[netip.AddrPort]bool{}
			for _, list := range [][]*entry{res.book.newList, res.book.triedList} {
				for _, e := range list {
					if ap, ok := e.key.addrPort(); ok {
						got[ap] = true
					}
				}
			}
			return got
		}

		add("1.2.3.4:8333")
		time.Sleep(15*time.Minute - time.Second)
		if got := inFile(); got != nil {
			t.Fatalf("file written before 15 minutes: %v", got)
		}
		time.Sleep(2 * time.Second)
		if got := inFile(); len(got) != 1 || !got[netip.MustParseAddrPort("1.2.3.4:8333")] {
			t.Fatalf("file at 15 minutes holds %v, want 1.2.3.4:8333", got)
		}
		add("5.6.7.8:8333")
		time.Sleep(15*time.Minute - 2*time.Second)
		if got := inFile(); len(got) != 1 {
			t.Fatalf("file changed between the saves: %v", got)
		}
		time.Sleep(2 * time.Second)
		if got := inFile(); len(got) != 2 || !got[netip.MustParseAddrPort("5.6.7.8:8333")] {
			t.Fatalf("file at 30 minutes holds %v, want both addresses", got)
		}

		if err := system.Root.StopFuture(book).Wait(); err != nil {
			t.Fatal(err)
		}
		// Let protoactor's dead-letter throttle (1 s) end inside the bubble.
		time.Sleep(2 * time.Second)
		synctest.Wait()
	})
}
