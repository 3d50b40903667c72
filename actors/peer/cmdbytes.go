package peer

// cmdBytes counts bytes per command for getpeerinfo's bytessent_per_msg
// and bytesrecv_per_msg. A connection uses a handful of commands, so a
// short slice searched in order beats a map: no hashing per frame (command
// names are interned, so comparing them mostly compares pointers), and
// nothing allocated until the first frame. Commands beyond the first
// maxCommandKeys are folded into otherCommand, so that a remote cannot grow
// it by inventing commands.
type cmdBytes []cmdCount

type cmdCount struct {
	cmd string
	n   uint64
}

// add counts n bytes of cmd.
func (c *cmdBytes) add(cmd string, n uint64) {
	s := *c
	for i := range s {
		if s[i].cmd == cmd {
			s[i].n += n
			return
		}
	}
	if len(s) >= maxCommandKeys-1 {
		cmd = otherCommand
		for i := range s {
			if s[i].cmd == cmd {
				s[i].n += n
				return
			}
		}
	}
	*c = append(s, cmdCount{cmd: cmd, n: n})
}

// toMap returns the counts as getpeerinfo shows them (never nil).
func (c cmdBytes) toMap() map[string]uint64 {
	m := make(map[string]uint64, len(c))
	for _, e := range c {
		m[e.cmd] += e.n
	}
	return m
}
