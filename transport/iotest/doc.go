// Package iotest is the io message contract of package transport, written
// once as tests and run against every implementation of it: the epoll io
// actor, the portable io actor and the in-memory network of
// actors/actortest.
//
// An implementation's own test file calls Run with a constructor that makes
// the props of a fresh io actor for a given transport.Config:
//
//	func TestContract(t *testing.T) {
//		iotest.Run(t, func(t *testing.T, cfg transport.Config) *actor.Props {
//			return transport.Props(cfg)
//		})
//	}
//
// Run spawns that actor in an actor system of its own per test, listens on
// 127.0.0.1 port 0 and connects to itself, so the implementation needs to
// support a listener and a dial on one io, nothing else. The tests use only
// the messages of transport/messages.go: both ends of every connection are
// the implementation's own, so an in-memory network is tested the same way
// as sockets.
//
// The package imports transport and protocol, never the implementations'
// packages, so any of them can import it from its tests.
package iotest
