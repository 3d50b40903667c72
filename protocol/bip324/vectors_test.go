package bip324

import (
	"bytes"
	"encoding/csv"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ellswift"
)

// mainnetMagic is the magic the BIP's vectors are made with (f9 be b4 d9).
const mainnetMagic = 0xd9b4bef9

// readCSV reads a vector file of testdata/ as one map per row, by column.
func readCSV(t *testing.T, name string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(recs) < 2 {
		t.Fatalf("%s: no vectors", name)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		row := make(map[string]string, len(rec))
		for i, col := range recs[0] {
			row[col] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("hex %q: %v", s, err)
	}
	return b
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPacketEncodingVectors runs BIP324's packet_encoding_test_vectors.csv:
// key agreement, key derivation, terminators, session id and the packet
// after in_idx others (999 of them cross four rekeyings). Each ciphertext
// is also decrypted by a cipher on the other side of the same secret.
func TestPacketEncodingVectors(t *testing.T) {
	for _, row := range readCSV(t, "packet_encoding_test_vectors.csv") {
		t.Run("idx"+row["in_idx"]+"_init"+row["in_initiating"], func(t *testing.T) {
			initiator := row["in_initiating"] == "1"
			key, err := NewKey([32]byte(unhex(t, row["in_priv_ours"])), [KeySize]byte(unhex(t, row["in_ellswift_ours"])))
			if err != nil {
				t.Fatal(err)
			}
			theirs := [KeySize]byte(unhex(t, row["in_ellswift_theirs"]))
			if x, err := DecodeX(key.Public()); err != nil || hex.EncodeToString(x[:]) != row["mid_x_ours"] {
				t.Errorf("x ours = %x, %v; want %s", x, err, row["mid_x_ours"])
			}
			if x, err := DecodeX(theirs); err != nil || hex.EncodeToString(x[:]) != row["mid_x_theirs"] {
				t.Errorf("x theirs = %x, %v; want %s", x, err, row["mid_x_theirs"])
			}
			xShared, err := ellswift.EllswiftECDHXOnly(theirs, key.priv)
			if err != nil || hex.EncodeToString(xShared[:]) != row["mid_x_shared"] {
				t.Errorf("x shared = %x, %v; want %s", xShared, err, row["mid_x_shared"])
			}
			secret, err := key.sharedSecret(theirs, initiator)
			if err != nil || hex.EncodeToString(secret[:]) != row["mid_shared_secret"] {
				t.Fatalf("shared secret = %x, %v; want %s", secret, err, row["mid_shared_secret"])
			}
			c, err := NewCipher(key, theirs, initiator, mainnetMagic)
			if err != nil {
				t.Fatal(err)
			}
			checkHex(t, "send terminator", c.sendTerm[:], row["mid_send_garbage_terminator"])
			checkHex(t, "recv terminator", c.recvTerm[:], row["mid_recv_garbage_terminator"])
			checkHex(t, "session id", c.sessionID[:], row["out_session_id"])

			// The peer's view of the same secret decrypts what we send.
			peer := new(Cipher)
			peer.derive(secret[:], !initiator, mainnetMagic)
			if peer.sessionID != c.sessionID || peer.recvTerm != c.sendTerm || peer.sendTerm != c.recvTerm {
				t.Fatal("peer's cipher disagrees on session id or terminators")
			}

			for i := 0; i < atoi(t, row["in_idx"]); i++ {
				pkt := c.AppendPacket(nil, nil, nil, false)
				if _, _, err := openPacket(peer, pkt, nil); err != nil {
					t.Fatalf("packet %d: %v", i, err)
				}
			}
			contents := bytes.Repeat(unhex(t, row["in_contents"]), atoi(t, row["in_multiply"]))
			aad := unhex(t, row["in_aad"])
			ignore := row["in_ignore"] == "1"
			pkt := c.AppendPacket(nil, contents, aad, ignore)
			if want := row["out_ciphertext"]; want != "" {
				checkHex(t, "ciphertext", pkt, want)
			}
			if want := row["out_ciphertext_endswith"]; want != "" {
				if got := hex.EncodeToString(pkt); len(got) < len(want) || got[len(got)-len(want):] != want {
					t.Errorf("ciphertext ends %s, want %s", got[max(0, len(got)-len(want)):], want)
				}
			}
			got, gotIgnore, err := openPacket(peer, pkt, aad)
			if err != nil || !bytes.Equal(got, contents) || gotIgnore != ignore {
				t.Errorf("peer decrypts %d bytes ignore %v, %v; want %d bytes ignore %v", len(got), gotIgnore, err, len(contents), ignore)
			}
		})
	}
}

// openPacket decrypts a whole packet (length included) with c.
func openPacket(c *Cipher, pkt, aad []byte) ([]byte, bool, error) {
	n := c.DecryptLength(pkt)
	if int(n)+Overhead != len(pkt) {
		return nil, false, errLength(n, len(pkt))
	}
	return c.Open(pkt[LengthSize:], aad)
}

type errLengthT struct{ n, size int }

func (e errLengthT) Error() string {
	return "length " + strconv.Itoa(e.n) + " in a packet of " + strconv.Itoa(e.size) + " bytes"
}

func errLength(n uint32, size int) error { return errLengthT{int(n), size} }

func checkHex(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	if g := hex.EncodeToString(got); g != want {
		t.Errorf("%s = %s, want %s", what, g, want)
	}
}

// TestEllswiftDecodeVectors runs BIP324's ellswift_decode_test_vectors.csv
// through DecodeX (btcec's XSwiftEC), special cases included (u or t zero
// or above the field size, u^3+t^2+7 = 0).
func TestEllswiftDecodeVectors(t *testing.T) {
	for i, row := range readCSV(t, "ellswift_decode_test_vectors.csv") {
		x, err := DecodeX([KeySize]byte(unhex(t, row["ellswift"])))
		if err != nil || hex.EncodeToString(x[:]) != row["x"] {
			t.Errorf("vector %d (%s): x = %x, %v; want %s", i, row["comment"], x, err, row["x"])
		}
	}
}

// TestXSwiftECInvVectors runs BIP324's xswiftec_inv_test_vectors.csv
// against btcec's XSwiftECInv, which makes the encodings GenerateKey sends.
func TestXSwiftECInvVectors(t *testing.T) {
	for i, row := range readCSV(t, "xswiftec_inv_test_vectors.csv") {
		var u, x btcec.FieldVal
		u.SetByteSlice(unhex(t, row["u"]))
		x.SetByteSlice(unhex(t, row["x"]))
		for c := 0; c < 8; c++ {
			uc, xc := u, x
			got := ellswift.XSwiftECInv(&uc, &xc, c)
			want := row["case"+strconv.Itoa(c)+"_t"]
			switch {
			case got == nil && want != "":
				t.Errorf("vector %d case %d: no t, want %s", i, c, want)
			case got != nil && hex.EncodeToString(got.Bytes()[:]) != want:
				t.Errorf("vector %d case %d: t = %x, want %q", i, c, got.Bytes()[:], want)
			}
		}
	}
}

// TestNewKeyMismatch: an encoding of another key is refused.
func TestNewKeyMismatch(t *testing.T) {
	a, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewKey([32]byte(a.priv.Serialize()), b.Public()); err != ErrKeyMismatch {
		t.Fatalf("NewKey with another key's encoding: %v, want ErrKeyMismatch", err)
	}
	if _, err := NewKey([32]byte(a.priv.Serialize()), a.Public()); err != nil {
		t.Fatalf("NewKey with its own encoding: %v", err)
	}
}
