package portmap

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// routeFile is the kernel's IPv4 routing table, one route a line.
const routeFile = "/proc/net/route"

// DefaultGateway returns the gateway of the machine's IPv4 default route,
// read from the kernel's routing table (Linux). It wraps ErrNoGateway when
// there is no default route or the table cannot be read (other systems: set
// the gateway by hand).
func DefaultGateway() (netip.Addr, error) {
	data, err := os.ReadFile(routeFile)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("default gateway: %w: read %s: %v", ErrNoGateway, routeFile, err)
	}
	return ParseRouteTable(data)
}

// ParseRouteTable finds the default route's gateway in the text of
// /proc/net/route: the up (flag 0x1), gatewayed (0x2) route with
// destination and mask 0 and the lowest metric.
func ParseRouteTable(data []byte) (netip.Addr, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	var best netip.Addr
	bestMetric := -1
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if line == 1 || len(f) < 8 {
			continue // the header, or a line too short to be a route
		}
		// Iface Destination Gateway Flags RefCnt Use Metric Mask ...
		dest, gw, flags, metric, mask := f[1], f[2], f[3], f[6], f[7]
		if dest != "00000000" || mask != "00000000" {
			continue
		}
		fl, err := strconv.ParseUint(flags, 16, 32)
		if err != nil || fl&0x3 != 0x3 {
			continue
		}
		raw, err := hex.DecodeString(gw)
		if err != nil || len(raw) != 4 {
			return netip.Addr{}, fmt.Errorf("default gateway: %w: line %d: gateway %q is not 8 hex digits", ErrBadResponse, line, gw)
		}
		// The kernel prints the address as a host-order (little-endian
		// on the machines we run on) 32-bit number.
		var ip [4]byte
		binary.BigEndian.PutUint32(ip[:], binary.LittleEndian.Uint32(raw))
		m, err := strconv.Atoi(metric)
		if err != nil {
			m = 0
		}
		if bestMetric < 0 || m < bestMetric {
			best, bestMetric = netip.AddrFrom4(ip), m
		}
	}
	if err := sc.Err(); err != nil {
		return netip.Addr{}, fmt.Errorf("default gateway: read route table: %w", err)
	}
	if !best.IsValid() {
		return netip.Addr{}, fmt.Errorf("default gateway: %w: no IPv4 default route", ErrNoGateway)
	}
	return best, nil
}
