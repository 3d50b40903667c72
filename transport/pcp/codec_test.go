package pcp

import (
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/actornode/actornode/transport/portmap"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var testNonce = [NonceSize]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}

func TestAppendMapRequest(t *testing.T) {
	r := &MapRequest{
		Lifetime: 3600, Client: netip.MustParseAddr("198.51.100.2"), Nonce: testNonce,
		Protocol: ProtoTCP, InternalPort: 8333, SuggestedPort: 8333, SuggestedIP: netip.IPv4Unspecified(),
	}
	want := unhex(t, `
		02 01 0000 00000e10
		00000000000000000000ffff c6336402
		0102030405060708090a0b0c 06 000000 208d 208d
		00000000000000000000ffff 00000000`)
	got := AppendMapRequest([]byte{0xaa}, r)
	if got[0] != 0xaa || hex.EncodeToString(got[1:]) != hex.EncodeToString(want) {
		t.Fatalf("request =\n%x\nwant\n%x", got[1:], want)
	}
	if len(got[1:]) != RequestSize {
		t.Fatalf("size %d, want %d", len(got)-1, RequestSize)
	}
}

// successResponse is a MAP response: lifetime 120 s, epoch 77, TCP 8333
// mapped to 1.2.3.4:8334.
const successResponse = `
	02 81 00 00 00000078 0000004d 000000000000000000000000
	0102030405060708090a0b0c 06 000000 208d 208e
	00000000000000000000ffff 01020304`

func TestDecodeMapResponse(t *testing.T) {
	got, err := DecodeMapResponse(unhex(t, successResponse))
	if err != nil {
		t.Fatal(err)
	}
	want := MapResponse{Lifetime: 120, Epoch: 77, Nonce: testNonce, Protocol: ProtoTCP,
		InternalPort: 8333, External: netip.MustParseAddrPort("1.2.3.4:8334")}
	if *got != want {
		t.Fatalf("response = %+v, want %+v", *got, want)
	}
	// Options after the MAP payload are ignored.
	withOption := append(unhex(t, successResponse), 0x7f, 0, 0, 0)
	if _, err := DecodeMapResponse(withOption); err != nil {
		t.Fatalf("with trailing option: %v", err)
	}
}

func TestDecodeMapResponseErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantKind error
		wantCode int // -1: not a *ResultError
	}{
		{name: "nat-pmp server: version 0 unsupported version", in: "00 81 0001 00000000", wantKind: portmap.ErrUnsupported, wantCode: ResultUnsuppVersion},
		{name: "version 1 server", in: "01 81 0001", wantKind: portmap.ErrUnsupported, wantCode: ResultUnsuppVersion},
		{name: "network failure", in: "02 81 00 07 0000001e 00000001 000000000000000000000000", wantKind: portmap.ErrNoPublicAddress, wantCode: ResultNetworkFailure},
		{name: "not authorized", in: "02 81 00 02 00000000 00000001 000000000000000000000000", wantKind: portmap.ErrRefused, wantCode: ResultNotAuthorized},
		{name: "no resources", in: "02 81 00 08 00000000 00000001 000000000000000000000000", wantKind: portmap.ErrNoResources, wantCode: ResultNoResources},
		{name: "cannot provide external", in: "02 81 00 0b 00000000 00000001 000000000000000000000000", wantKind: portmap.ErrPortConflict, wantCode: ResultCannotProvideExternal},
		{name: "request, not response", in: "02 01 00 00 00000000 00000001 000000000000000000000000", wantKind: portmap.ErrBadResponse, wantCode: -1},
		{name: "announce opcode", in: "02 80 00 00 00000000 00000001 000000000000000000000000", wantKind: portmap.ErrBadResponse, wantCode: -1},
		{name: "three bytes", in: "02 81 00", wantKind: portmap.ErrBadResponse, wantCode: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeMapResponse(unhex(t, tt.in))
			if !errors.Is(err, tt.wantKind) {
				t.Fatalf("err = %v, want kind %v", err, tt.wantKind)
			}
			var re *ResultError
			if got := errors.As(err, &re); got != (tt.wantCode >= 0) {
				t.Fatalf("ResultError: %v, want %v (err %v)", got, tt.wantCode >= 0, err)
			}
			if re != nil && int(re.Code) != tt.wantCode {
				t.Fatalf("code = %d, want %d", re.Code, tt.wantCode)
			}
		})
	}
}

// Every cut of a valid response fails cleanly, never panics.
func TestDecodeMapResponseTruncated(t *testing.T) {
	full := unhex(t, successResponse)
	for n := range len(full) {
		if _, err := DecodeMapResponse(full[:n]); err == nil {
			t.Fatalf("decoding %d of %d bytes succeeded", n, len(full))
		}
	}
}

func FuzzDecodeMapResponse(f *testing.F) {
	f.Add(unhex(f, successResponse))
	f.Add(unhex(f, "00 81 0001 00000000"))
	f.Add(unhex(f, "02 81 00 07 0000001e 00000001 000000000000000000000000"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeMapResponse(b)
		if err == nil && (len(b) < RequestSize || r == nil) {
			t.Fatalf("accepted %d bytes", len(b))
		}
	})
}
