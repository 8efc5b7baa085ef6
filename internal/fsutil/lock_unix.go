//go:build unix

package fsutil

import (
	"os"
	"syscall"
)

// TryLock takes an exclusive lock (flock) on f without waiting; it fails
// when another process holds one. Locks die with their process, which is
// how package data knows an export's temporary folder is stale.
func TryLock(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}
