package connmgr

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/connmgr/machine"
	"github.com/actornode/actornode/actors/internal/atomicfile"
	"github.com/actornode/actornode/protocol"
)

// AnchorsFileName is the anchors file's name in a node's data directory, as
// in Core: the block-relay-only peers of the last clean stop, dialled
// first at the next start.
const AnchorsFileName = "anchors.dat"

// The anchors file is Core's anchors.dat (SerializeFileDB of a vector of
// CAddress in its V2_DISK form), so Core can read ours and we Core's:
//
//	magic      4 bytes  the network's message start
//	count      CompactSize
//	addresses  count times:
//	  version    4 bytes  220000 | 1<<29 (Core's DISK_VERSION_INIT, ADDRV2)
//	  time       4 bytes  Unix seconds
//	  services   CompactSize
//	  network    1 byte   BIP155 network id
//	  length     CompactSize, then the address
//	  port       2 bytes big-endian
//	checksum  32 bytes  double SHA-256 of everything before it
//
// Integers are little-endian unless said otherwise.
const (
	anchorDiskVersion = 220000 | 1<<29
	// anchorVersionIgnore are the low bits Core ignores when reading.
	anchorVersionIgnore = 0x7ffff
	// maxAnchorEntries bounds the count read (Core keeps 2; a file with
	// more is cut to MaxAnchors after reading).
	maxAnchorEntries = 1000
)

var (
	errAnchorsMagic    = errors.New("wrong network magic")
	errAnchorsChecksum = errors.New("checksum mismatch")
	errAnchorsShort    = errors.New("truncated")
	errAnchorsEntry    = errors.New("bad entry")
)

// encodeAnchors returns the file's bytes for anchors, stamped at now.
func encodeAnchors(magic uint32, anchors []machine.Anchor, now time.Time) []byte {
	buf := binary.LittleEndian.AppendUint32(nil, magic)
	buf = protocol.AppendCompactSize(buf, uint64(len(anchors)))
	for _, a := range anchors {
		buf = binary.LittleEndian.AppendUint32(buf, anchorDiskVersion)
		buf = binary.LittleEndian.AppendUint32(buf, uint32(now.Unix()))
		buf = protocol.AppendCompactSize(buf, uint64(a.Services))
		ip := a.Addr.Addr().Unmap()
		if ip.Is4() {
			b := ip.As4()
			buf = append(buf, byte(protocol.NetIPv4), 4)
			buf = append(buf, b[:]...)
		} else {
			b := ip.As16()
			buf = append(buf, byte(protocol.NetIPv6), 16)
			buf = append(buf, b[:]...)
		}
		buf = binary.BigEndian.AppendUint16(buf, a.Addr.Port())
	}
	sum := protocol.DoubleSHA256(buf)
	return append(buf, sum[:]...)
}

// decodeAnchors reads the file's bytes. Addresses of networks this node
// cannot dial (Tor, I2P, CJDNS) are skipped.
func decodeAnchors(magic uint32, b []byte) ([]machine.Anchor, error) {
	if len(b) < 4+1+32 {
		return nil, errAnchorsShort
	}
	body, sum := b[:len(b)-32], b[len(b)-32:]
	if want := protocol.DoubleSHA256(body); !bytes.Equal(want[:], sum) {
		return nil, errAnchorsChecksum
	}
	if binary.LittleEndian.Uint32(body) != magic {
		return nil, errAnchorsMagic
	}
	r := body[4:]
	count, n, err := protocol.ReadCompactSize(r)
	if err != nil || count > maxAnchorEntries {
		return nil, fmt.Errorf("count: %w", errAnchorsEntry)
	}
	r = r[n:]
	var out []machine.Anchor
	for i := range count {
		if len(r) < 8 {
			return nil, fmt.Errorf("address %d: %w", i, errAnchorsShort)
		}
		if v := binary.LittleEndian.Uint32(r) &^ anchorVersionIgnore; v != 1<<29 {
			return nil, fmt.Errorf("address %d: disk version %#x: %w", i, v, errAnchorsEntry)
		}
		r = r[8:] // version, time
		services, n, err := protocol.ReadCompactSize(r)
		if err != nil {
			return nil, fmt.Errorf("address %d: services: %w", i, errAnchorsShort)
		}
		r = r[n:]
		if len(r) < 1 {
			return nil, fmt.Errorf("address %d: %w", i, errAnchorsShort)
		}
		network := protocol.NetworkID(r[0])
		size, n, err := protocol.ReadCompactSize(r[1:])
		if err != nil || size > 512 || uint64(len(r)-1-n) < size+2 {
			return nil, fmt.Errorf("address %d: %w", i, errAnchorsShort)
		}
		raw := r[1+n : 1+n+int(size)]
		port := binary.BigEndian.Uint16(r[1+n+int(size):])
		r = r[1+n+int(size)+2:]
		var ip netip.Addr
		switch {
		case network == protocol.NetIPv4 && size == 4:
			ip = netip.AddrFrom4([4]byte(raw))
		case network == protocol.NetIPv6 && size == 16:
			ip = netip.AddrFrom16([16]byte(raw)).Unmap()
		case network == protocol.NetIPv4 || network == protocol.NetIPv6:
			return nil, fmt.Errorf("address %d: %d bytes for %v: %w", i, size, network, errAnchorsEntry)
		default:
			continue // a network we do not dial
		}
		out = append(out, machine.Anchor{Addr: netip.AddrPortFrom(ip, port), Services: protocol.ServiceFlag(services)})
	}
	if len(r) != 0 {
		return nil, fmt.Errorf("%d bytes after the addresses: %w", len(r), errAnchorsEntry)
	}
	return out, nil
}

// readAnchors reads the anchors file and removes it, as Core's ReadAnchors
// does whatever it held: the anchors are tried once. A missing file is no
// anchors and no error; a bad one is an error, and no anchors.
func readAnchors(path string, magic uint32) ([]machine.Anchor, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read anchors: %w", err)
	}
	rmErr := os.Remove(path)
	anchors, err := decodeAnchors(magic, b)
	if err != nil {
		return nil, fmt.Errorf("anchors file %s: %w", path, err)
	}
	if rmErr != nil {
		return anchors, fmt.Errorf("remove anchors file: %w", rmErr)
	}
	return anchors, nil
}

// writeAnchors writes the anchors file atomically.
func writeAnchors(path string, magic uint32, anchors []machine.Anchor, now time.Time) error {
	if err := atomicfile.Write(path, encodeAnchors(magic, anchors, now)); err != nil {
		return fmt.Errorf("write anchors: %w", err)
	}
	return nil
}

// loadAnchors reads the anchors file into the machine, when connections
// are automatic (Core reads it only then; otherwise it stays for a later
// run).
func (c *connMgr) loadAnchors() {
	if c.cfg.AnchorsFile == "" || len(c.cfg.Connect) > 0 || c.cfg.AddrBook == nil {
		return
	}
	anchors, err := readAnchors(c.cfg.AnchorsFile, c.cfg.Network.Magic)
	if err != nil {
		c.log.Warn("anchors file unusable", zap.Error(err))
	}
	if len(anchors) > 0 {
		c.log.Info("loaded anchors", zap.Int("count", len(anchors)), zap.String("file", c.cfg.AnchorsFile))
	}
	c.m.LoadAnchors(anchors)
}

// saveAnchors writes the block-relay-only peers to the anchors file at a
// clean stop.
func (c *connMgr) saveAnchors(now time.Time, anchors []machine.Anchor) {
	if err := writeAnchors(c.cfg.AnchorsFile, c.cfg.Network.Magic, anchors, now); err != nil {
		c.log.Error("cannot save anchors", zap.Error(err))
		return
	}
	c.log.Info("saved block-relay-only anchors", zap.Int("count", len(anchors)), zap.String("file", c.cfg.AnchorsFile))
}
