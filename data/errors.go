package data

import "fmt"

// InputError is a problem with the user's data: which file, which line (CSV)
// or record (IDX, 1-based) and what is wrong. Line and Record are 0 when the
// problem concerns the whole file. The CLI maps it to exit status 2.
//
// Problems inside a PNG (corrupt, truncated, wrong or huge size) name the PNG
// itself with Line 0, and the message says which CSV line listed it; a listed
// PNG that does not exist names the CSV line.
type InputError struct {
	File   string
	Line   int
	Record int
	Msg    string
}

// Error formats the error as "data: FILE line N: msg", "data: FILE record N: msg"
// or "data: FILE: msg".
func (e *InputError) Error() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("data: %s line %d: %s", e.File, e.Line, e.Msg)
	case e.Record > 0:
		return fmt.Sprintf("data: %s record %d: %s", e.File, e.Record, e.Msg)
	default:
		return fmt.Sprintf("data: %s: %s", e.File, e.Msg)
	}
}

func lineErr(file string, line int, format string, args ...any) *InputError {
	return &InputError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func recordErr(file string, record int, format string, args ...any) *InputError {
	return &InputError{File: file, Record: record, Msg: fmt.Sprintf(format, args...)}
}
