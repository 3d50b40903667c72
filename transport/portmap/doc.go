// Package portmap holds what the port-mapping clients share: the Mapping a
// gateway grants, the error kinds every protocol reports in the same words
// (no gateway, timeout, refused, no public address, port taken,
// unsupported), and how to find the default gateway.
//
// The protocol clients live beside it: transport/pcp (RFC 6887),
// transport/natpmp (RFC 6886) and transport/upnp (UPnP IGD). Each wraps its
// failures with one of this package's sentinels, so a caller chooses what to
// do with errors.Is and logs the protocol's own detail as it came.
//
// Nothing here keeps state or starts goroutines; every call that touches the
// network is bounded by the context or timeout it is given.
package portmap
