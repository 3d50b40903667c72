package bip324_test

import (
	"crypto/rand"
	"fmt"

	"github.com/actornode/actornode/protocol"
	"github.com/actornode/actornode/protocol/bip324"
)

// newSession makes one side of a regtest connection with a fresh key and
// random garbage.
func newSession(initiator bool) *bip324.Session {
	key, err := bip324.GenerateKey()
	if err != nil {
		panic(err)
	}
	garbage, err := bip324.RandomGarbage(rand.Reader)
	if err != nil {
		panic(err)
	}
	regtest, err := protocol.Network(protocol.NameRegtest)
	if err != nil {
		panic(err)
	}
	s, err := bip324.NewSession(bip324.Config{Magic: regtest.Magic, Initiator: initiator, Key: key, Garbage: garbage})
	if err != nil {
		panic(err)
	}
	return s
}

// Two sessions joined by byte slices instead of a socket: the initiator
// starts, each side feeds what it receives to Received and sends back
// Result.Out, and once keys are agreed messages travel encrypted.
func Example() {
	dialer, listener := newSession(true), newSession(false)

	toListener := dialer.Start(nil) // key and garbage
	r, err := listener.Received(toListener, nil, nil)
	if err != nil {
		panic(err)
	}
	// The listener's key, garbage, terminator and version packet.
	r, err = dialer.Received(r.Out, nil, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("dialer established:", r.Established)

	// The dialer's terminator and version packet, then a ping.
	wire, err := dialer.AppendMessage(r.Out, protocol.CmdPing, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	if err != nil {
		panic(err)
	}
	r, err = listener.Received(wire, nil, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("listener established:", r.Established)
	for _, m := range r.Messages {
		fmt.Printf("%s %x\n", m.Command, m.Payload)
	}
	a, _ := dialer.SessionID()
	b, _ := listener.SessionID()
	fmt.Println("same session id:", a == b)
	// Output:
	// dialer established: true
	// listener established: true
	// ping 0102030405060708
	// same session id: true
}
