package transport

// Summary returns the snapshot as a JSON-encodable map, the shape of an
// inspect.Description's Summary (the node wraps io's Stats into one).
func (s *Stats) Summary() map[string]any {
	return map[string]any{
		"listeners":     s.Listeners,
		"conns":         s.Conns,
		"bytes_queued":  s.BytesQueued,
		"bytes_read":    s.BytesRead,
		"bytes_written": s.BytesWritten,
		"wakeups":       s.Wakeups,
		"bad_checksums": s.BadChecksums,
		"bad_commands":  s.BadCommands,
		"stale":         s.Stale,
		"in_flight":     s.InFlight,
		"reads_paused":  s.ReadsPaused,
		"sends_paused":  s.SendsPaused,
		"accepted":      s.Accepted,
		"dialed":        s.Dialed,
		"accept_pauses": s.AcceptPauses,
		"inbound":       s.Inbound,
		"undecided":     s.Undecided,
		"send_timeouts": s.SendTimeouts,
	}
}
