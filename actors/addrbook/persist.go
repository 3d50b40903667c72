package addrbook

import (
	crand "crypto/rand"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/zap"

	"github.com/actornode/actornode/actors/internal/atomicfile"
)

// load reads the file into the book. A missing file, or one of another
// version (moved to ".bak"), gives an empty book. A corrupt one should have
// stopped the node at start (CheckFile); if it turns up anyway (a program
// spawned the book without CheckFile, a supervisor restarted it, or the
// file was damaged after the check), the book starts empty, the file is kept under a name
// no earlier copy holds (setAside), and the reason is logged at Error.
func (a *addrBook) load() {
	a.book = newBook(newSecret())
	if a.cfg.File == "" {
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
	case res.backedUp != "":
		a.log.Warn("address book file of another version, starting empty", zap.String("file", a.cfg.File),
			zap.Error(res.err), zap.String("backup", res.backedUp))
	case res.missing:
		a.log.Info("no address book file yet, starting empty", zap.String("file", a.cfg.File))
	default:
		aside, err := setAside(a.cfg.File)
		a.log.Error("address book file unusable, starting empty", zap.String("file", a.cfg.File),
			zap.Error(errors.Join(res.err, err)), zap.String("set_aside", aside))
	}
}

// maxSetAside bounds the names setAside tries.
const maxSetAside = 100

// setAside renames path to path + ".corrupt", or ".corrupt.1", ".corrupt.2"
// ... when that is taken, so that a second damaged file never replaces the
// copy of the first. It returns the new name.
func setAside(path string) (string, error) {
	for i := range maxSetAside {
		name := path + ".corrupt"
		if i > 0 {
			name += "." + strconv.Itoa(i)
		}
		// A hard link fails if name exists, where a rename would replace it.
		err := os.Link(path, name)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			// No hard links here (some file systems): rename, after
			// checking that name is free.
			if _, serr := os.Lstat(name); !errors.Is(serr, os.ErrNotExist) {
				continue
			}
			if err := os.Rename(path, name); err != nil {
				return "", fmt.Errorf("set aside %s: %w", path, err)
			}
			return name, nil
		}
		if err := os.Remove(path); err != nil {
			return name, fmt.Errorf("set aside %s: %w", path, err)
		}
		return name, nil
	}
	return "", fmt.Errorf("set aside %s: %d copies already there", path, maxSetAside)
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
