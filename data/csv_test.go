package data

import (
	"strconv"
	"strings"
	"testing"
)

// TestCSVErrorLines: an error is reported on the line where the bad record
// starts, even when encoding/csv only notices it many lines later.
func TestCSVErrorLines(t *testing.T) {
	var rows strings.Builder
	rows.WriteString("id,label\n")
	for i := 1; i <= 300; i++ {
		if i == 11 {
			rows.WriteString("11,\"1\n") // line 12: a quote that is never closed
			continue
		}
		rows.WriteString(strconv.Itoa(i) + ",1\n")
	}
	cases := []struct {
		name, csv string
		labels    labelColumn
		line      int
		msg       string
	}{
		{"unclosed quote", rows.String(), classLabel, 12, "quote"},
		{"unclosed quote says where it ends", rows.String(), classLabel, 12, "to line 301"},
		{"bare quote", "id,label\n1,2\n3,4\n5,a\"b\n", classLabel, 4, "quote"},
		{"quoted field over two lines", "id,label\n1,2\n3,\"1\n2\"\n", classLabel, 3, `label "1\n2"`},
		{"record after a quoted field over two lines", "id,label\n1,\"x\ny\"\n3,4\n3,5\n", anyLabel, 5, "duplicate id 3 (first on line 4)"},
		{"long record after a quoted field over two lines", "id,label\n1,\"x\ny\"\n3," + strings.Repeat("x", 1e5) + "\n", anyLabel, 4, "record longer than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseCSV("f.csv", strings.NewReader(c.csv), c.labels)
			inputErr(t, err, "f.csv", c.line, 0, c.msg)
		})
	}
}

// TestCSVErrorsQuoteLittle: an error quotes at most 80 characters of a
// field, and says how long it was; a record longer than a CSV of ids and
// labels can hold is refused without being read whole.
func TestCSVErrorsQuoteLittle(t *testing.T) {
	long := strings.Repeat("x", 10000)
	digits := strings.Repeat("7", 10000)
	cases := []struct {
		name, csv string
		labels    labelColumn
		line      int
		msg       string
	}{
		{"label", "id,label\n1,2\n3," + long + "\n", classLabel, 3, `label "` + long[:80] + `"… (10000 bytes) is not a class`},
		{"id", "id,label\n1,2\n" + digits + ",1\n", classLabel, 3, `id "` + digits[:80] + `"… (10000 bytes) is not`},
		{"escaping id", "id\n1\n../" + long + "\n", noLabel, 3, `(10003 bytes) would escape`},
		{"header", "id," + long + "\n1,2\n", classLabel, 1, `(10003 bytes), want "id,label"`},
		{"utf-8 cut on a rune boundary", "id,label\n1," + strings.Repeat("é", 100) + "\n", classLabel, 2, `"` + strings.Repeat("é", 40) + `"… (200 bytes)`},
		{"60 KiB label", "id,label\n1," + strings.Repeat("x", 60<<10) + "\n", classLabel, 2, "(61440 bytes) is not a class"},
		{"5 MB label", "id,label\n1,2\n3," + strings.Repeat("x", 5e6) + "\n4,5\n", classLabel, 3, "record longer than 65536 bytes"},
		{"5 MB header", strings.Repeat("x", 5e6), classLabel, 1, "record longer than 65536 bytes"},
		{"5 MB quoted field of short lines", "id,label\n1,2\n\"" + strings.Repeat("1\n", 25e5) + "\",3\n", classLabel, 3, "record longer than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseCSV("f.csv", strings.NewReader(c.csv), c.labels)
			inputErr(t, err, "f.csv", c.line, 0, c.msg)
			if n := len(err.Error()); n > 300 {
				t.Errorf("error of %d bytes: %.400q", n, err)
			}
		})
	}
}
