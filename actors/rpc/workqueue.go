package rpc

import (
	"errors"
	"sync"
	"sync/atomic"
)

var (
	// errQueueFull: the queue holds its depth of waiting requests.
	errQueueFull = errors.New("work queue depth exceeded")
	// errStopping: the server is stopping.
	errStopping = errors.New("request rejected during server shutdown")
)

// workQueue runs requests on a fixed number of workers behind a queue of
// fixed depth, as Core's HTTP server runs them on -rpcthreads threads
// behind a queue of -rpcworkqueue: a request that finds the queue full is
// refused at once (503), so no number of clients makes more than
// threads requests run, and more than depth wait.
type workQueue struct {
	jobs chan *job
	quit chan struct{}
	busy atomic.Int32

	start, stop sync.Once
	threads     int
}

// Job states: a job runs only if a worker takes it while pending; one the
// submitter abandoned (the server stopping) is skipped.
const (
	jobPending int32 = iota
	jobRunning
	jobAbandoned
)

// job is one request's work and the signal that it is done.
type job struct {
	run   func()
	state atomic.Int32
	done  chan struct{}
}

func newWorkQueue(threads, depth int) *workQueue {
	return &workQueue{jobs: make(chan *job, depth), quit: make(chan struct{}), threads: threads}
}

// startWorkers starts the workers once.
func (q *workQueue) startWorkers() {
	q.start.Do(func() {
		for range q.threads {
			go q.work()
		}
	})
}

func (q *workQueue) work() {
	for {
		select {
		case <-q.quit:
			return
		case j := <-q.jobs:
			if !j.state.CompareAndSwap(jobPending, jobRunning) {
				continue
			}
			q.busy.Add(1)
			j.run()
			q.busy.Add(-1)
			close(j.done)
		}
	}
}

// do runs fn on a worker and waits for it. Without running fn it returns
// errQueueFull when the queue is full, errStopping when it has stopped.
func (q *workQueue) do(fn func()) error {
	q.startWorkers()
	j := &job{run: fn, done: make(chan struct{})}
	select {
	case <-q.quit:
		return errStopping
	default:
	}
	select {
	case q.jobs <- j:
	default:
		return errQueueFull
	}
	select {
	case <-j.done:
		return nil
	case <-q.quit:
		if j.state.CompareAndSwap(jobPending, jobAbandoned) {
			return errStopping
		}
		<-j.done // a worker has it: it finishes
		return nil
	}
}

// close stops the workers once their current jobs are done; queued jobs
// are abandoned.
func (q *workQueue) close() {
	q.stop.Do(func() { close(q.quit) })
}

// stats are the jobs running and the jobs waiting.
func (q *workQueue) stats() (busy, queued int) {
	return int(q.busy.Load()), len(q.jobs)
}
