package transport

import (
	"errors"
	"fmt"

	"github.com/actornode/actornode/protocol"
)

// Deframed is what Deframe found at the front of a buffer.
type Deframed struct {
	// Frames is the frames slice passed to Deframe with every complete,
	// valid frame appended, in order. Their payloads alias the buffer.
	Frames []Frame
	// Used is the number of bytes at the front of the buffer taken by
	// complete frames, those delivered and those dropped. The caller keeps
	// buf[Used:], the start of the next frame, and feeds it again with more
	// bytes appended.
	Used int
	// Next is the size, header included, of the incomplete frame at
	// buf[Used:] once its header is complete, so a caller can size a buffer
	// for it; it is 0 while fewer than protocol.HeaderSize bytes remain.
	Next int
	// Wire is the number of bytes, headers included, of the frames appended
	// to Frames (Used minus the dropped frames).
	Wire int
	// BadChecksums counts frames dropped because their payload did not
	// match the header's checksum (Core drops the message and goes on).
	BadChecksums int
	// BadCommands counts frames dropped because their command field was not
	// printable ASCII padded with NULs (Core drops those too).
	BadCommands int
}

// Deframe cuts Bitcoin P2P frames (a 24-byte header then the payload) from
// the front of buf. It is pure: it keeps no state, reads only buf and never
// allocates beyond growing frames, so the io actor and in-memory networks
// (actors/actortest) share it.
//
// Every complete frame at the front of buf is checked in Core's order of
// cost: magic, announced length, command, checksum. A good frame is appended
// to frames with its Payload aliasing buf (capacity capped, so appending to a
// payload never writes into buf). A frame with a bad checksum or command
// bytes is skipped and counted. Deframe stops at the first incomplete frame
// and reports its size in Next once the header is in.
//
// A wrong magic or a length above protocol.MaxPayloadSize is fatal to the
// stream: Deframe returns what it cut before that header and an error
// wrapping protocol.ErrBadMagic or protocol.ErrPayloadTooLarge; the caller
// closes the connection.
//
// Use it in a loop over a growing buffer:
//
//	d, err := transport.Deframe(buf, magic, frames[:0])
//	handle(d.Frames)           // payloads valid until buf is reused
//	if err != nil { closeConn(err) }
//	buf = append(buf[:0], buf[d.Used:]...)
func Deframe(buf []byte, magic uint32, frames []Frame) (Deframed, error) {
	d := Deframed{Frames: frames}
	for {
		rest := buf[d.Used:]
		if len(rest) < protocol.HeaderSize {
			return d, nil
		}
		h, err := protocol.ParseHeader(rest)
		badCommand := errors.Is(err, protocol.ErrBadCommand)
		if err != nil && !badCommand {
			return d, fmt.Errorf("deframe: header at byte %d: %w", d.Used, err)
		}
		if h.Magic != magic {
			return d, fmt.Errorf("deframe: header at byte %d: magic %#08x, want %#08x: %w",
				d.Used, h.Magic, magic, protocol.ErrBadMagic)
		}
		if h.Length > protocol.MaxPayloadSize {
			return d, fmt.Errorf("deframe: header at byte %d: length %d above %d: %w",
				d.Used, h.Length, protocol.MaxPayloadSize, protocol.ErrPayloadTooLarge)
		}
		size := protocol.HeaderSize + int(h.Length)
		if len(rest) < size {
			d.Next = size
			return d, nil
		}
		d.Used += size
		payload := rest[protocol.HeaderSize:size:size]
		switch {
		case badCommand:
			d.BadCommands++
		case protocol.Checksum(payload) != h.Checksum:
			d.BadChecksums++
		default:
			d.Frames = append(d.Frames, Frame{Command: h.CommandName(), Payload: payload, Checksum: h.Checksum})
			d.Wire += size
		}
	}
}
