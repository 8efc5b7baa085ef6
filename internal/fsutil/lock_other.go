//go:build !unix

package fsutil

import (
	"errors"
	"os"
)

// TryLock has no portable implementation here and returns
// errors.ErrUnsupported; callers go without the lock (package data's
// exports then take no temporary folder for stale: they are left, not
// removed from under a running export).
func TryLock(*os.File) error { return errors.ErrUnsupported }
