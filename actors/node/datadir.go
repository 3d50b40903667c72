package node

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"

	"github.com/actornode/actornode/protocol"
)

// LockFileName is the file in the data directory that a running node
// holds locked, as Core's .lock: a second node on the same directory is
// refused.
const LockFileName = ".lock"

// NetworkDir is the subdirectory of an explicit data directory holding a
// network's files, as Core names them: "" for mainnet (the directory
// itself), testnet3, testnet4, signet, regtest. An unknown name is used as
// it is.
func NetworkDir(network string) string {
	p, err := protocol.Network(network)
	if err != nil {
		return network
	}
	if p.Name == protocol.NameMainnet {
		return ""
	}
	return p.Name
}

// DataDirLockedError is the error of a node whose data directory another
// node holds; its text is Core's.
type DataDirLockedError struct {
	// Dir is the data directory (the network's).
	Dir string
}

func (e *DataDirLockedError) Error() string {
	return fmt.Sprintf("Cannot obtain a lock on directory %s. actornode is probably already running.", e.Dir)
}

// lockDataDir creates dir/.lock if it is missing and takes an exclusive
// flock on it without waiting. The lock lasts while the returned file stays
// open (and ends with the process, however it ends). flock, unlike Core's
// fcntl lock, also refuses a second node in the same process.
func lockDataDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, LockFileName)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot write to data directory %s: %w", dir, err)
	}
	for attempt := 0; ; attempt++ {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err != unix.EINTR || attempt == 10 {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, &DataDirLockedError{Dir: dir}
		}
		return nil, fmt.Errorf("lock data directory %s: %w", dir, err)
	}
	return f, nil
}

// unlockDataDir releases the data directory's lock, once every file is
// written.
func (n *Node) unlockDataDir() {
	if n.lockFile == nil {
		return
	}
	if err := n.lockFile.Close(); err != nil {
		n.logger.Named(CategoryNode).Warn("release data directory lock", zap.Error(err))
	}
	n.lockFile = nil
}
