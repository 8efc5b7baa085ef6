package data

import (
	"io/fs"
	"os"
	"syscall"
)

// notRegularError refuses a path that is not a regular file, saying what
// it is instead.
type notRegularError struct{ what string }

func (e *notRegularError) Error() string { return "not a regular file (" + e.what + ")" }

// OpenRegular opens path for reading and returns it with its size, refusing
// anything but a regular file, symlinks followed: a FIFO would block the
// open or the read forever, and a device such as /dev/zero never ends. The
// file is opened non-blocking, so one swapped for a FIFO after the first
// check cannot hang either; it is refused by the second. Every reader of
// user files (datasets, images, model files) opens them through it.
func OpenRegular(path string) (*os.File, int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, 0, err
	}
	if err := regular(st); err != nil {
		return nil, 0, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, err
	}
	if st, err = f.Stat(); err == nil {
		err = regular(st)
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// regular refuses a file that is not regular, saying what it is.
func regular(st fs.FileInfo) error {
	m := st.Mode()
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		return &notRegularError{"a folder"}
	case m&fs.ModeNamedPipe != 0:
		return &notRegularError{"a named pipe"}
	case m&fs.ModeSocket != 0:
		return &notRegularError{"a socket"}
	case m&fs.ModeDevice != 0:
		return &notRegularError{"a device"}
	default:
		return &notRegularError{"mode " + m.String()}
	}
}
