// Package pcp is a small client of the Port Control Protocol (RFC 6887),
// enough to map one TCP or UDP port with the MAP opcode, renew it and delete
// it: the request and response codec (codec.go) and a UDP client with
// retransmission bounded by a context (client.go).
//
// PCP is NAT-PMP's successor, served on the same port (5351). A gateway that
// speaks only NAT-PMP answers a PCP request with a version-0 reply, result
// code 1 (unsupported version); the client reports that as
// portmap.ErrUnsupported so the caller can fall back to NAT-PMP, as Bitcoin
// Core does. Result codes come back as *ResultError, wrapping the
// transport/portmap error kinds.
//
// IPv4 only is exercised; addresses travel IPv4-mapped in the 16-byte fields
// the RFC defines, so an IPv6 client address works with the same codec.
package pcp
