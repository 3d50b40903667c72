//go:build linux && !transport_portable

package transport

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/protocol/bip324"
)

// driveV2 is drive over BIP324: each connection completes a v2 handshake
// first; the client encrypts its pings and decrypts the pongs, so the
// figure carries the cipher's cost on both sides.
func driveV2(b *testing.B, addr string, conns, inflight int) {
	type client struct {
		nc  net.Conn
		s   *bip324.Session
		in  []byte
		buf []byte
	}
	// readOnce reads once and feeds the Session; it returns the messages
	// that arrived.
	readOnce := func(c *client) (int, error) {
		m, err := c.nc.Read(c.buf)
		if err != nil {
			return 0, err
		}
		c.in = append(c.in, c.buf[:m]...)
		r, err := c.s.Received(c.in, nil, nil)
		if len(r.Out) > 0 {
			c.nc.Write(r.Out)
		}
		c.in = append(c.in[:0], c.in[r.Used:]...)
		return len(r.Messages), err
	}
	var cs []*client
	for range conns {
		nc, err := net.DialTimeout("tcp", addr, waitFor)
		if err != nil {
			b.Fatal(err)
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(time.Minute))
		k, err := bip324.GenerateKey()
		if err != nil {
			b.Fatal(err)
		}
		s, err := bip324.NewSession(bip324.Config{Magic: testMagic, Initiator: true, Key: k})
		if err != nil {
			b.Fatal(err)
		}
		c := &client{nc: nc, s: s, buf: make([]byte, 64<<10)}
		nc.Write(s.Start(nil))
		for !s.CanSend() {
			if _, err := readOnce(c); err != nil {
				b.Fatal(err)
			}
		}
		cs = append(cs, c)
	}
	var left atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nonce := []byte{1, 2, 3, 4, 5, 6, 7, 8}
			var out []byte
			send := func() {
				out, _ = c.s.AppendMessage(out[:0], protocol.CmdPing, nonce)
				c.nc.Write(out)
			}
			sent := 0
			for range inflight {
				if left.Add(-1) < 0 {
					break
				}
				send()
				sent++
			}
			for sent > 0 {
				n, err := readOnce(c)
				if err != nil {
					b.Error(err)
					return
				}
				for range n {
					sent--
					if left.Add(-1) >= 0 {
						send()
						sent++
					}
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pongs/s")
}

// BenchmarkPongsV2 is BenchmarkPongs over BIP324 (Config.V2), beside v1 on
// the same io: 10 connections x 16 pings in flight.
func BenchmarkPongsV2(b *testing.B) {
	b.Run("io-v1", func(b *testing.B) { driveV1(b, startEchoIO(b, Config{Magic: testMagic, V2: true}), 10, 16) })
	b.Run("io-v2", func(b *testing.B) { driveV2(b, startEchoIO(b, Config{Magic: testMagic, V2: true}), 10, 16) })
}

// driveV1 is drive against an io with Config.V2: each connection starts
// with a version frame, as a v1 peer must for io (and Core) to tell it
// from a v2 one, and reads the echo's answer to it before the round trips.
func driveV1(b *testing.B, addr string, conns, inflight int) {
	ping := frame(protocol.CmdPing, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	version := frame(protocol.CmdVersion, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	var ncs []net.Conn
	for range conns {
		nc, err := net.DialTimeout("tcp", addr, waitFor)
		if err != nil {
			b.Fatal(err)
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(time.Minute))
		nc.Write(version)
		if _, err := io.ReadFull(nc, make([]byte, len(ping))); err != nil {
			b.Fatal(err)
		}
		ncs = append(ncs, nc)
	}
	pingPipelined(b, ncs, ping, len(ping), inflight)
}
