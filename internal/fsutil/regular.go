package fsutil

import (
	"io/fs"
	"os"
	"syscall"
)

// NotRegularError is OpenRegular's refusal of a path that is not a regular
// file; What says what it is instead ("a folder", "a named pipe", ...).
type NotRegularError struct{ What string }

func (e *NotRegularError) Error() string { return "not a regular file (" + e.What + ")" }

// OpenRegular opens path for reading and returns it with its size, refusing
// anything but a regular file, symlinks followed: a FIFO would block the
// open or the read forever, and a device such as /dev/zero never ends. The
// file is opened non-blocking, so one swapped for a FIFO after the first
// check cannot hang either; it is refused by the second. Every reader of
// user files (datasets, images, model files) opens them through it. A
// path that is not a regular file gives a *NotRegularError.
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
		return &NotRegularError{"a folder"}
	case m&fs.ModeNamedPipe != 0:
		return &NotRegularError{"a named pipe"}
	case m&fs.ModeSocket != 0:
		return &NotRegularError{"a socket"}
	case m&fs.ModeDevice != 0:
		return &NotRegularError{"a device"}
	default:
		return &NotRegularError{"mode " + m.String()}
	}
}
