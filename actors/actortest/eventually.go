package actortest

import "time"

// pollEvery is how often Eventually checks its condition.
const pollEvery = 10 * time.Millisecond

// Eventually checks cond until it holds, and fails the test naming what it
// waited for once timeout has passed: the one way this project's tests wait
// for something they cannot be sent.
func Eventually(t TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("actortest: timed out after %v waiting for %s", timeout, what)
			return
		}
		time.Sleep(pollEvery)
	}
}
