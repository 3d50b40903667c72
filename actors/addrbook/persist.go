package addrbook

import (
	crand "crypto/rand"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/internal/atomicfile"
)

// load reads the file into the book; whatever goes wrong, the book starts
// (empty, with a new secret).
func (a *addrBook) load() {
	if a.cfg.File == "" {
		a.book = newBook(newSecret())
		return
	}
	start := time.Now()
	res := loadFile(a.cfg.File, a.allowLocal)
	switch {
	case res.book != nil:
		a.book = res.book
		a.log.Info("loaded address book", zap.String("file", a.cfg.File),
			zap.Int("new", a.book.newLen()), zap.Int("tried", a.book.triedLen()),
			zap.Duration("took", time.Since(start)))
	case res.missing:
		a.book = newBook(newSecret())
		a.log.Info("no address book file yet, starting empty", zap.String("file", a.cfg.File))
	default:
		a.book = newBook(newSecret())
		a.log.Warn("address book file unusable, starting empty", zap.String("file", a.cfg.File),
			zap.Error(res.err), zap.String("set_aside", res.setAside))
	}
}

// newSecret makes the bucket key of a new book.
func newSecret() [32]byte {
	var k [32]byte
	_, _ = crand.Read(k[:]) // never fails on supported platforms
	return k
}

// saveAsync writes the file on a goroutine (the timer's work), unless a
// save is still running.
func (a *addrBook) saveAsync(ctx actor.Context) {
	a.saveTick = a.after(ctx, saveInterval, &saveNow{})
	if a.saving || a.stopped {
		return
	}
	a.saving = true
	data, entries, path := a.book.encode(), a.book.len(), a.cfg.File
	root, self := ctx.ActorSystem().Root, ctx.Self()
	a.saveWG.Add(1)
	go func() {
		defer a.saveWG.Done()
		start := time.Now()
		var err error
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("save %s: panic: %v", path, p)
			}
			root.Send(self, &saved{err: err, entries: entries, took: time.Since(start)})
		}()
		err = atomicfile.Write(path, data)
	}()
}

func (a *addrBook) saved(msg *saved) {
	a.saving = false
	if msg.err != nil {
		a.log.Error("cannot save address book", zap.Error(msg.err))
		return
	}
	a.log.Debug("saved address book", zap.Int("entries", msg.entries), zap.Duration("took", msg.took))
}
