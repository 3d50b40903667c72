package rpc

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// CookieFile is the name of the cookie file in the data directory, as
// Core's.
const CookieFile = ".cookie"

// CookieUser is the user name of cookie authentication, as Core's.
const CookieUser = "__cookie__"

// writeCookie writes "__cookie__:<64 hex digits>" to dir/.cookie readable
// by the owner only, atomically (a temporary file renamed over it), and
// returns the user:password it holds.
func writeCookie(dir string) (string, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", fmt.Errorf("write cookie: random: %w", err)
	}
	cred := CookieUser + ":" + hex.EncodeToString(secret)
	path := filepath.Join(dir, CookieFile)
	tmp, err := os.CreateTemp(dir, CookieFile+".tmp*")
	if err != nil {
		return "", fmt.Errorf("write cookie: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename there is nothing to remove
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write cookie: %w", err)
	}
	if _, err := tmp.WriteString(cred); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write cookie: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write cookie: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write cookie: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("write cookie: %w", err)
	}
	return cred, nil
}

// ReadCookie reads the user:password of the cookie file in dir.
func ReadCookie(dir string) (user, password string, err error) {
	data, err := os.ReadFile(filepath.Join(dir, CookieFile))
	if err != nil {
		return "", "", fmt.Errorf("read cookie: %w", err)
	}
	s := string(data)
	for i := range len(s) {
		if s[i] == ':' {
			return s[:i], trimNewline(s[i+1:]), nil
		}
	}
	return "", "", errors.New("read cookie: no user:password in " + filepath.Join(dir, CookieFile))
}

func trimNewline(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}
