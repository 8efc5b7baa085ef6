package data

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/glcnn/glcnn/internal/fsutil"
)

// labelColumn says whether a CSV has a label column and what it may hold.
type labelColumn int

const (
	noLabel    labelColumn = iota // header "id"
	classLabel                    // header "id,label", labels 0-9
	anyLabel                      // header "id,label", label not checked (sample submission)
)

// csvRow is one record of an Apparels CSV file.
type csvRow struct {
	line  int   // 1-based line in the file, for error messages
	id    int64 // positive; names the image <id>.png
	label int32 // -1 when the file has no label column
}

// readCSV reads an Apparels CSV file; see parseCSV.
func readCSV(path string, labels labelColumn) ([]csvRow, error) {
	f, _, err := fsutil.OpenRegular(path)
	if err != nil {
		return nil, &InputError{File: path, Msg: missingMsg(err)}
	}
	defer f.Close()
	return parseCSV(path, bufio.NewReaderSize(f, 1<<16), labels)
}

// maxCSVRecord is the longest CSV record always accepted; an id and a label
// take a few bytes, and a record longer than maxCSVRecord plus csvReadAhead
// is refused before it is read whole.
const (
	maxCSVRecord = 64 << 10
	csvReadAhead = 4 << 10 // encoding/csv's own buffer
)

// parseCSV reads an Apparels CSV: the header "id,label" or "id" (noLabel),
// then one record per image. A UTF-8 byte order mark, CRLF line endings and
// blank lines are accepted; header names ignore case. Ids must be positive
// decimal integers without sign or leading zeros (so each id names exactly
// one file and cannot escape the image folder) and unique; labels must be
// 0-9. A file with a header and no records is an empty dataset. Errors name
// the line where the bad record starts and quote at most maxQuoted bytes of
// a field.
func parseCSV(file string, r io.Reader, labels labelColumn) ([]csvRow, error) {
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xef, 0xbb, 0xbf}) {
		br.Discard(3)
	}
	lim := &recordLimit{r: br, limit: maxCSVRecord + csvReadAhead}
	cr := csv.NewReader(lim)
	cr.FieldsPerRecord = -1 // column counts are checked below, with better messages
	cr.ReuseRecord = true
	want := []string{"id", "label"}
	if labels == noLabel {
		want = want[:1]
	}
	lastLine := 0 // where the last record read ended
	read := func() ([]string, error) {
		rec, err := cr.Read()
		if err != nil {
			return nil, csvErr(file, err, lastLine+1)
		}
		lim.limit = cr.InputOffset() + maxCSVRecord + csvReadAhead
		lastLine, _ = cr.FieldPos(0)
		for _, f := range rec { // line breaks inside quoted fields
			lastLine += strings.Count(f, "\n")
		}
		return rec, nil
	}
	header, err := read()
	if err == io.EOF {
		return nil, lineErr(file, 1, "empty file; want the header %q", strings.Join(want, ","))
	}
	if err != nil {
		return nil, err
	}
	if !equalFold(header, want) {
		line, _ := cr.FieldPos(0)
		return nil, lineErr(file, line, "header %s, want %q", quoteField(strings.Join(header, ",")), strings.Join(want, ","))
	}
	var rows []csvRow
	seen := map[int64]int{}
	for {
		rec, err := read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(want) {
			return nil, lineErr(file, line, "%d columns, want %d (%s)", len(rec), len(want), strings.Join(want, ","))
		}
		if len(rows) == MaxSetImages {
			return nil, lineErr(file, line, "more than %d records", MaxSetImages)
		}
		row := csvRow{line: line, label: -1}
		if row.id, err = parseID(rec[0]); err != nil {
			return nil, lineErr(file, line, "%v", err)
		}
		if first, dup := seen[row.id]; dup {
			return nil, lineErr(file, line, "duplicate id %d (first on line %d)", row.id, first)
		}
		seen[row.id] = line
		if labels == classLabel {
			l := rec[1]
			if len(l) != 1 || l[0] < '0' || int(l[0]-'0') >= NumClasses {
				return nil, lineErr(file, line, "label %s is not a class 0-%d", quoteField(l), NumClasses-1)
			}
			row.label = int32(l[0] - '0')
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, &InputError{File: file, Msg: "empty dataset: no records after the header"}
	}
	return rows, nil
}

// errRecordTooLong is recordLimit's refusal.
var errRecordTooLong = errors.New("record too long")

// recordLimit passes a CSV to encoding/csv, which holds a whole record in
// memory, and fails once it asks for bytes past limit; parseCSV moves the
// limit on after each record.
type recordLimit struct {
	r     io.Reader
	read  int64 // bytes passed on
	limit int64
}

func (l *recordLimit) Read(p []byte) (int, error) {
	if l.read >= l.limit {
		return 0, errRecordTooLong
	}
	if int64(len(p)) > l.limit-l.read {
		p = p[:l.limit-l.read]
	}
	n, err := l.r.Read(p)
	l.read += int64(n)
	return n, err
}

// maxQuoted is the most bytes of a field an error message quotes.
const maxQuoted = 80

// quoteField quotes s for an error message: all of it when short, else its
// first maxQuoted bytes (cut at a character boundary) and its length.
func quoteField(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(s[:cut]), len(s))
}

// parseID accepts a positive decimal integer without sign or leading zeros.
func parseID(s string) (int64, error) {
	if strings.ContainsAny(s, `/\`) || strings.Contains(s, "..") {
		return 0, errors.New("id " + quoteField(s) + " would escape the image folder; ids are positive integers")
	}
	ok := s != "" && s[0] != '0' && len(s) <= 18
	for i := 0; ok && i < len(s); i++ {
		ok = s[i] >= '0' && s[i] <= '9'
	}
	if !ok {
		return 0, errors.New("id " + quoteField(s) + " is not a positive integer (digits only, no leading zeros)")
	}
	return strconv.ParseInt(s, 10, 64)
}

// equalFold reports whether the header matches want, ignoring case and
// surrounding spaces.
func equalFold(header, want []string) bool {
	if len(header) != len(want) {
		return false
	}
	for i := range want {
		if !strings.EqualFold(strings.TrimSpace(header[i]), want[i]) {
			return false
		}
	}
	return true
}

// csvErr turns an encoding/csv error into an InputError on the line where
// the bad record starts; next is the line after the last good record (a
// record refused for its length was never parsed, so blank lines before it
// are not skipped in the count). io.EOF is returned as it is.
func csvErr(file string, err error, next int) error {
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		return err
	case errors.Is(err, errRecordTooLong):
		return lineErr(file, next, "record longer than %d bytes; ids and labels take a few", maxCSVRecord)
	case errors.As(err, &pe) && pe.Line != pe.StartLine:
		return lineErr(file, pe.StartLine, "%v (the record runs on to line %d)", pe.Err, pe.Line)
	case errors.As(err, &pe):
		return lineErr(file, pe.StartLine, "%v", pe.Err)
	}
	return &InputError{File: file, Msg: err.Error()}
}
