package protocol

import "testing"

func TestSanitizeStringKeepsCoresDefaultSafeChars(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/Satoshi:27.0.0/", "/Satoshi:27.0.0/"},
		{"", ""},
		{"/bad\x1b[2J\x1b]0;owned\x07ua/", "/bad2J0;ownedua/"},
		{"a\r\nb\tc\x00d\x7f", "abcd"},
		{"(x), y; z? @w -_", "(x), y; z? @w -_"},
		{"<>&\"'!#$%^*+=[]{}|\\`~", ""},
		{"caf\xc3\xa9 \xff", "caf "},
	} {
		if got := SanitizeString(tc.in); got != tc.want {
			t.Errorf("SanitizeString(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSanitizeStringOfACleanStringDoesNotAllocate(t *testing.T) {
	s := "/Satoshi:27.0.0/"
	if n := testing.AllocsPerRun(100, func() { _ = SanitizeString(s) }); n != 0 {
		t.Errorf("%v allocations, want 0", n)
	}
}
