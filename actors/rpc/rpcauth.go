package rpc

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strings"
)

// authEntry is one accepted user: the HMAC-SHA256 of the password keyed by
// the salt, as Core keeps every credential (-rpcauth lines as given, the
// cookie and -rpcpassword hashed with a fresh salt at start).
type authEntry struct {
	user string
	salt string
	hash []byte
}

// ParseRPCAuth reads a -rpcauth value, "USER:SALT$HASH" as Core's
// share/rpcauth/rpcauth.py prints it: HASH is the hex HMAC-SHA256 of the
// password with SALT as the key. The user holds no ':', the salt no '$'.
func ParseRPCAuth(line string) (user, salt string, hash []byte, err error) {
	fields := strings.Split(line, ":")
	if len(fields) != 2 {
		return "", "", nil, fmt.Errorf("rpcauth %q: want USER:SALT$HASH", redactAuth(line))
	}
	saltHash := strings.Split(fields[1], "$")
	if len(saltHash) != 2 {
		return "", "", nil, fmt.Errorf("rpcauth for user %q: want USER:SALT$HASH", fields[0])
	}
	hash, err = hex.DecodeString(saltHash[1])
	if err != nil || len(hash) != sha256.Size {
		return "", "", nil, fmt.Errorf("rpcauth for user %q: the hash is not 64 hex digits", fields[0])
	}
	return fields[0], saltHash[0], hash, nil
}

// redactAuth keeps the user of a malformed line for the error, not the rest.
func redactAuth(line string) string {
	user, _, _ := strings.Cut(line, ":")
	return user + ":..."
}

// RPCAuthLine makes a -rpcauth value for user and password with a random
// 16-byte hex salt, as Core's rpcauth.py does.
func RPCAuthLine(user, password string) (string, error) {
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("rpcauth: random salt: %w", err)
	}
	salt := hex.EncodeToString(raw)
	return user + ":" + salt + "$" + hex.EncodeToString(passwordHMAC(salt, password)), nil
}

// passwordHMAC is HMAC-SHA256(key: salt, message: password).
func passwordHMAC(salt, password string) []byte {
	m := hmac.New(sha256.New, []byte(salt))
	m.Write([]byte(password))
	return m.Sum(nil)
}

// newSecretEntry hashes a plain credential with a fresh salt, as Core does
// with the cookie and -rpcpassword, so that every check costs the same.
func newSecretEntry(user, password string) (authEntry, error) {
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return authEntry{}, fmt.Errorf("rpc credentials: random salt: %w", err)
	}
	salt := hex.EncodeToString(raw)
	return authEntry{user: user, salt: salt, hash: passwordHMAC(salt, password)}, nil
}

// credentials are the accepted users.
type credentials []authEntry

// match checks user and password against every entry, always all of them,
// comparing in time independent of how close the guess is.
func (c credentials) match(user, password string) bool {
	ok := 0
	for _, e := range c {
		userOK := subtle.ConstantTimeCompare([]byte(user), []byte(e.user))
		hashOK := 0
		if hmac.Equal(passwordHMAC(e.salt, password), e.hash) {
			hashOK = 1
		}
		ok |= userOK & hashOK
	}
	return ok == 1
}
