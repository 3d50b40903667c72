package debughttp

import (
	"net/http"
	"os"
	"strings"
)

// RedactArgs returns args with the value of every secret-looking flag
// replaced by "<redacted>", in both "-flag=value" and "-flag value" forms.
func RedactArgs(args []string) []string {
	out := make([]string, len(args))
	copy(out, args)
	for i := 1; i < len(out); i++ {
		a := out[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !secret(name) {
			continue
		}
		if hasValue {
			out[i] = a[:strings.Index(a, "=")+1] + "<redacted>"
			continue
		}
		// A secret flag takes a value: the next argument, whatever it
		// looks like.
		if i+1 < len(out) {
			out[i+1] = "<redacted>"
			i++
		}
	}
	return out
}

// secret reports whether a flag's value is a secret: -rpcpassword, -rpcauth
// and any flag named like a password, key or token.
func secret(flag string) bool {
	flag = strings.ToLower(flag)
	for _, w := range []string{"pass", "auth", "secret", "token", "key", "cookie", "cred"} {
		if strings.Contains(flag, w) {
			return true
		}
	}
	return false
}

// cmdline is pprof's /debug/pprof/cmdline with the secrets redacted.
func cmdline(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(strings.Join(RedactArgs(os.Args), "\x00")))
}
