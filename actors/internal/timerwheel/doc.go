// Package timerwheel is a hashed timer wheel: one goroutine and one ticker
// serve any number of coarse timers, so that a timer costs a few words and
// no runtime timer while it waits, and an idle peer costs nothing per tick.
//
// It is made for deadlines measured in seconds and minutes (a peer's ping
// interval, ping timeout and handshake timeout) that are re-armed far more
// often than they fire: Set and Stop are O(1) under one mutex and never
// allocate. A timer fires at its deadline rounded up to the wheel's tick,
// on the wheel's goroutine, by calling the function given to Init; a fire
// may race with a concurrent Set, so the function must tolerate an early or
// extra call (the peer actor re-reads its own deadline when woken).
//
//	w := timerwheel.New(100*time.Millisecond, 2048)
//	defer w.Close()
//	var t timerwheel.Timer
//	t.Init(w, func() { system.Root.Send(pid, wakeMsg) })
//	t.Set(2 * time.Minute)
//
// A Provider (such as a workpool.Pool) hands its wheel to the actors it
// runs, so that every peer of a node shares one.
package timerwheel
