package protocol

// SanitizeString keeps only the characters Core's SanitizeString lets
// through with its default rule (SAFE_CHARS_DEFAULT): ASCII letters and
// digits, space and . , ; - _ / : ? @ ( ). Everything else (control bytes
// such as ESC, other punctuation, bytes of multi-byte UTF-8) is dropped,
// so that a string a peer chose, such as its user agent, is safe to store,
// log and print on an operator's terminal. Core keeps a peer's user agent
// only in this form (CNode::cleanSubVer).
func SanitizeString(s string) string {
	for i := 0; i < len(s); i++ {
		if !safeChar(s[i]) {
			return sanitizeFrom(s, i)
		}
	}
	return s // the usual case: nothing to drop, nothing allocated
}

func sanitizeFrom(s string, i int) string {
	b := make([]byte, i, len(s))
	copy(b, s[:i])
	for ; i < len(s); i++ {
		if safeChar(s[i]) {
			b = append(b, s[i])
		}
	}
	return string(b)
}

func safeChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case ' ', '.', ',', ';', '-', '_', '/', ':', '?', '@', '(', ')':
		return true
	}
	return false
}
