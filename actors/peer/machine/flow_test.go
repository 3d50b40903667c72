package machine_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/actornode/actornode/actors/peer/machine"
)

// flow is a Flow whose batches and continuations are names.
type flow = machine.Flow[string, string]

// step names what Next asked for: "wait", "serve <cont>" or
// "resume <batch>@<first>".
func step(a machine.Action[string, string]) string {
	switch a.Step {
	case machine.Serve:
		return "serve " + a.Cont
	case machine.Resume:
		return fmt.Sprintf("resume %s@%d", a.Batch, a.First)
	}
	return "wait"
}

// drain plays the peer's pump: it carries out Next until Wait, serving
// every continuation and processing every batch to its end (Finished),
// and returns the steps taken, "wait" last.
func drain(f *flow) []string {
	var steps []string
	for range 100 {
		a := f.Next()
		steps = append(steps, step(a))
		switch a.Step {
		case machine.Resume:
			f.Finished()
		case machine.Wait:
			return steps
		}
	}
	return append(steps, "runaway")
}

// Each rule that holds the peer: while it applies, a batch that arrives is
// held, the batch in hand stops before its next frame, and Next has nothing
// to resume.
func TestFlowHolds(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *flow)
		hold  bool
	}{
		{"idle", func(*flow) {}, false},
		{"send paused", func(f *flow) { f.SendPaused() }, true},
		{"send resumed", func(f *flow) { f.SendPaused(); f.SendResumed() }, false},
		{"one under the count", func(f *flow) {
			for range machine.MaxInFlight - 1 {
				f.Forwarded(1)
			}
		}, false},
		{"count in flight", func(f *flow) {
			for range machine.MaxInFlight {
				f.Forwarded(1)
			}
		}, true},
		{"one done below the count", func(f *flow) {
			for range machine.MaxInFlight {
				f.Forwarded(1)
			}
			f.Done(1, false)
		}, false},
		{"under the cost", func(f *flow) { f.Forwarded(machine.MaxInFlightCost - 1) }, false},
		{"cost in flight", func(f *flow) { f.Forwarded(machine.MaxInFlightCost) }, true},
		{"one message over the cost is allowed, then holds", func(f *flow) { f.Forwarded(3 * machine.MaxInFlightCost) }, true},
		{"cost done", func(f *flow) { f.Forwarded(machine.MaxInFlightCost); f.Done(machine.MaxInFlightCost, false) }, false},
		{"done below zero floors", func(f *flow) {
			f.Done(machine.MaxInFlightCost, false)
			for range machine.MaxInFlight - 1 {
				f.Forwarded(1)
			}
		}, false},
		{"continuation waiting", func(f *flow) { f.SendPaused(); f.Continue("c", 1); f.SendResumed() /* not served yet */ }, true},
		{"continuation at its handler", func(f *flow) { f.Continue("c", 1); f.Next() }, true},
		{"continuation done", func(f *flow) { f.Continue("c", 1); f.Next(); f.Done(1, true) }, false},
		{"another message done leaves the continuation", func(f *flow) {
			f.Forwarded(1)
			f.Continue("c", 1)
			f.Next()
			f.Done(1, false)
		}, true},
		{"ended while paused and full", func(f *flow) {
			f.SendPaused()
			for range machine.MaxInFlight {
				f.Forwarded(1)
			}
			f.Continue("c", 1)
			f.End()
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f flow
			tt.setup(&f)
			if got := f.Hold(); got != tt.hold {
				t.Errorf("Hold = %v, want %v", got, tt.hold)
			}
			if got := f.Arrived("b"); got == tt.hold {
				t.Errorf("Arrived = %v (process now), want %v", got, !tt.hold)
			}
			if got, want := f.HeldBatches(), map[bool]int{true: 1}[tt.hold]; got != want {
				t.Errorf("%d batches held, want %d", got, want)
			}
			if a := f.Next(); tt.hold && a.Step == machine.Resume {
				t.Errorf("Next = %s while held", step(a))
			}
		})
	}
}

// The order of what waits: continuations one at a time and before any
// batch, only while sending is not paused; batches in the order they came,
// each from the frame where it stopped.
func TestFlowOrder(t *testing.T) {
	tests := []struct {
		name string
		// run drives f and returns the steps it saw.
		run  func(f *flow) []string
		want []string
	}{
		{"a batch arriving behind a held one is held", func(f *flow) []string {
			f.SendPaused()
			f.Arrived("b1")
			f.SendResumed()
			held := f.Arrived("b2") // b1 is still held: b2 must not overtake it
			return append([]string{fmt.Sprint(held)}, drain(f)...)
		}, []string{"false", "resume b1@0", "resume b2@0", "wait"}},
		{"a stopped batch goes on where it stopped", func(f *flow) []string {
			f.Arrived("b1") // processed at once...
			for range machine.MaxInFlight {
				f.Forwarded(1)
			}
			hold := f.Hold() // ...until the count is reached at frame 3
			f.Stopped("b1", 3)
			f.Arrived("b2")
			steps := []string{fmt.Sprint(hold), step(f.Next())}
			f.Done(1, false)
			return append(steps, drain(f)...)
		}, []string{"true", "wait", "resume b1@3", "resume b2@0", "wait"}},
		{"a resumed batch stopping again", func(f *flow) []string {
			f.SendPaused()
			f.Arrived("b1")
			f.SendResumed()
			a := f.Next()
			for range machine.MaxInFlight {
				f.Forwarded(1)
			}
			f.Stopped(a.Batch, 5)
			steps := []string{step(a), step(f.Next())}
			f.Done(1, false)
			return append(steps, drain(f)...)
		}, []string{"resume b1@0", "wait", "resume b1@5", "wait"}},
		{"continuations one at a time, before batches", func(f *flow) []string {
			f.SendPaused()
			f.Arrived("b1")
			f.Continue("c1", 10)
			f.Continue("c2", 20)
			f.SendResumed()
			steps := drain(f)
			f.Done(10, true)
			steps = append(steps, drain(f)...)
			f.Done(20, true)
			return append(steps, drain(f)...)
		}, []string{"serve c1", "wait", "serve c2", "wait", "resume b1@0", "wait"}},
		{"continuations wait while sending is paused", func(f *flow) []string {
			f.Continue("c1", 1)
			f.SendPaused()
			steps := drain(f)
			f.SendResumed()
			return append(steps, drain(f)...)
		}, []string{"wait", "serve c1", "wait"}},
		{"a served continuation counts in flight", func(f *flow) []string {
			for range machine.MaxInFlight - 1 {
				f.Forwarded(1)
			}
			f.Continue("c1", 1)
			f.Next()
			f.Done(1, true)
			return []string{fmt.Sprint(f.InFlight(), f.Hold())}
		}, []string{"7 false"}},
		{"a continuation is served even with the count reached", func(f *flow) []string {
			for range machine.MaxInFlight {
				f.Forwarded(1)
			}
			f.Continue("c1", 1)
			return drain(f)
		}, []string{"serve c1", "wait"}},
		{"end hands back the held batches and drops continuations", func(f *flow) []string {
			f.SendPaused()
			f.Arrived("b1")
			f.Arrived("b2")
			f.Continue("c1", 1)
			held := f.End()
			f.Continue("c2", 1)
			f.SendResumed()
			return append(append(held, fmt.Sprint(f.Arrived("b3"), f.HeldBatches())), drain(f)...)
		}, []string{"b1", "b2", "true 0", "wait"}},
		{"serving is known until done", func(f *flow) []string {
			_, before := f.Serving()
			f.Continue("c1", 1)
			f.Next()
			c, during := f.Serving()
			f.Done(1, true)
			_, after := f.Serving()
			return []string{fmt.Sprintf("%v %s %v %v", before, c, during, after)}
		}, []string{"false c1 true false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f flow
			if got := tt.run(&f); !slices.Equal(got, tt.want) {
				t.Errorf("steps %q, want %q", got, tt.want)
			}
		})
	}
}
