// Package natpmp maps a TCP port with NAT-PMP (RFC 6886), over
// github.com/jackpal/go-nat-pmp.
//
// The library's NewClient retries for about two minutes before giving up;
// this wrapper only ever builds clients with NewClientWithTimeout, bounded
// by the caller's context deadline or the client's timeout, whichever comes
// first. The library reports result codes as text; the wrapper turns them
// into *ResultError values wrapping the transport/portmap error kinds, so
// that "result code 3" reads as portmap.ErrNoPublicAddress.
package natpmp
