//go:build unix

package data

import (
	"os"
	"syscall"
)

// tryLock takes an exclusive lock on f without waiting; it fails when
// another process holds one. Locks die with their process, which is how
// an export's temporary folder is known to be stale.
func tryLock(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}
