package peer

import "github.com/actornode/actornode/protocol"

// cmdBytes counts bytes per command for getpeerinfo's bytessent_per_msg
// and bytesrecv_per_msg. Like Core, it counts the commands it knows by
// name and every other one as otherCommand, so a remote cannot grow it by
// inventing commands. A connection uses a handful of commands, so a short
// slice of 16-byte entries searched in order beats a map: no hashing per
// frame (command names are interned, so comparing them mostly compares
// pointers), and nothing allocated until the first frame.
type cmdBytes []cmdCount

// cmdCount is the count of one command: id is its protocol.CommandID, 0
// for otherCommand.
type cmdCount struct {
	n  uint64
	id uint8
}

// add counts n bytes of cmd.
func (c *cmdBytes) add(cmd string, n uint64) {
	s := *c
	for i := range s {
		if protocol.CommandByID(s[i].id) == cmd {
			s[i].n += n
			return
		}
	}
	id := protocol.CommandID(cmd)
	if id == 0 {
		for i := range s {
			if s[i].id == 0 {
				s[i].n += n
				return
			}
		}
	}
	*c = append(s, cmdCount{id: id, n: n})
}

// toMap returns the counts as getpeerinfo shows them (never nil).
func (c cmdBytes) toMap() map[string]uint64 {
	m := make(map[string]uint64, len(c))
	for _, e := range c {
		name := protocol.CommandByID(e.id)
		if e.id == 0 {
			name = otherCommand
		}
		m[name] += e.n
	}
	return m
}
