package node

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"go.uber.org/zap"
)

// LogFilePath is where -logfile writes: an absolute path as given, a
// relative one inside the data directory (DataDirOrDefault), as Core's
// -debuglogfile. "" when there is no log file.
func (c *Config) LogFilePath() string {
	if c.LogFile == "" || filepath.IsAbs(c.LogFile) {
		return c.LogFile
	}
	return filepath.Join(c.DataDirOrDefault(), c.LogFile)
}

// logFile is the -logfile the node appends to. Reopen closes it and opens
// the path again, so that after logrotate has renamed the file the log goes
// on in a new one (SIGHUP, as in Core).
type logFile struct {
	mu     sync.Mutex
	path   string
	f      *os.File
	closed bool
}

func openLogFile(path string) (*logFile, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return &logFile{path: path, f: f}, nil
}

func (l *logFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return 0, os.ErrClosed
	}
	return l.f.Write(p)
}

// Reopen opens the path anew (creating it) and closes the old file; on
// failure the old file stays in use. After Close it does nothing and
// reports false.
func (l *logFile) Reopen() (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false, nil
	}
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return false, fmt.Errorf("reopen log file: %w", err)
	}
	_ = l.f.Close()
	l.f = f
	return true, nil
}

// Close closes the file; later writes fail.
func (l *logFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	err := l.f.Close()
	l.f = nil
	return err
}

// consoleAndFile writes each line to the console and to the log file. A
// console that is gone (standard error a closed pipe) does not stop the
// file's log: its errors are ignored.
type consoleAndFile struct {
	console io.Writer
	file    *logFile
}

func (w consoleAndFile) Write(p []byte) (int, error) {
	_, _ = w.console.Write(p)
	return w.file.Write(p)
}

// ReopenLogFile closes and reopens -logfile at its path (after logrotate
// renamed it): what the binary does on SIGHUP. Without a log file, or once
// the node has stopped, it does nothing. It is safe to call at any time,
// from any goroutine.
func (n *Node) ReopenLogFile() error {
	if n.logFile == nil {
		return nil
	}
	reopened, err := n.logFile.Reopen()
	if err != nil {
		n.logger.Named(CategoryNode).Error("log file not reopened", zap.Error(err))
		return err
	}
	if reopened {
		n.logger.Named(CategoryNode).Info("log file reopened", zap.String("file", n.logFile.path))
	}
	return nil
}
