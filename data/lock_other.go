//go:build !unix

package data

import (
	"errors"
	"os"
)

// tryLock has no portable implementation here: exports are not locked,
// and no temporary folder is taken for stale (they are left, not removed
// from under a running export).
func tryLock(*os.File) error { return errors.ErrUnsupported }
