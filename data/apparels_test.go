package data

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

func TestLoadApparelsSmall(t *testing.T) {
	dir := t.TempDir()
	smallApparels(t, dir)
	ds, err := Load(dir, LoadOptions{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Layout != LayoutApparels || ds.Root != dir || ds.FromCache {
		t.Errorf("layout %q root %q cached %v", ds.Layout, ds.Root, ds.FromCache)
	}
	tr := ds.Train
	if tr.N != 6 || tr.H != 4 || tr.W != 4 {
		t.Fatalf("train %v", tr)
	}
	if want := []int64{5, 3, 9, 12, 7, 1}; !slices.Equal(tr.IDs, want) {
		t.Errorf("train ids %v, want %v (CSV order)", tr.IDs, want)
	}
	if want := []int32{0, 1, 2, 3, 4, 5}; !slices.Equal(tr.Labels, want) {
		t.Errorf("train labels %v, want %v", tr.Labels, want)
	}
	for i := range tr.N {
		for k, v := range tr.Image(i) {
			if v != byte(10*i+k) {
				t.Fatalf("train image %d pixel %d = %d, want %d", i, k, v, 10*i+k)
			}
		}
	}
	if ds.Test == nil || ds.Test.Labels != nil || !slices.Equal(ds.Test.IDs, []int64{104, 101, 103}) {
		t.Errorf("test %v ids %v", ds.Test, ds.Test.IDs)
	}
	if ds.Test.Image(1)[0] != 110 {
		t.Errorf("test image 1 pixel 0 = %d, want 110", ds.Test.Image(1)[0])
	}
	if !slices.Equal(ds.SubmissionIDs, []int64{101, 103, 104}) {
		t.Errorf("submission ids %v, want the sample submission's order", ds.SubmissionIDs)
	}
}

// TestLoadApparelsAccepted covers inputs that must load: a UTF-8 BOM, CRLF
// line endings, trailing blank lines, the archive's folder names, no test
// set, no sample submission.
func TestLoadApparelsAccepted(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(t *testing.T, dir string)
		test  bool // a test set is expected
		subID int64
	}{
		{"bom", func(t *testing.T, dir string) {
			writeFile(t, dir, "train.csv", []byte("\ufeffid,label\n5,0\n3,1\n9,2\n12,3\n7,4\n1,5\n"))
			writeFile(t, dir, "test.csv", []byte("\ufeffid\n104\n101\n103\n"))
		}, true, 101},
		{"crlf and blank lines", func(t *testing.T, dir string) {
			writeFile(t, dir, "train.csv", []byte("id,label\r\n5,0\r\n3,1\r\n9,2\r\n12,3\r\n7,4\r\n1,5\r\n\r\n\r\n"))
			writeFile(t, dir, "sample_submission.csv", []byte("ID,Label\r\n101,0\r\n103,0\r\n104,0\n\n\n"))
		}, true, 101},
		{"no sample submission", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "sample_submission.csv"))
		}, true, 104},
		{"no test set", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "sample_submission.csv"))
			os.Remove(filepath.Join(dir, "test.csv"))
		}, false, 0},
		{"symlinked image and csv", func(t *testing.T, dir string) {
			for _, rel := range []string{"train/5.png", "train/3.png", "test.csv"} {
				p := filepath.Join(dir, rel)
				os.Rename(p, p+".real")
				if err := os.Symlink(filepath.Base(p)+".real", p); err != nil {
					t.Fatal(err)
				}
			}
		}, true, 101},
		{"archive names", func(t *testing.T, dir string) {
			for _, m := range [][2]string{
				{"train.csv", "train_LbELtWX/train.csv"}, {"train", "train_LbELtWX/train"},
				{"test.csv", "test_ScVgIM0/test.csv"}, {"test", "test_ScVgIM0/test"},
				{"sample_submission.csv", "sample_submission_I5njJSF.csv"},
			} {
				os.MkdirAll(filepath.Join(dir, filepath.Dir(m[1])), 0o755)
				if err := os.Rename(filepath.Join(dir, m[0]), filepath.Join(dir, m[1])); err != nil {
					t.Fatal(err)
				}
			}
		}, true, 101},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			smallApparels(t, dir)
			c.edit(t, dir)
			ds, err := Load(dir, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if ds.Layout != LayoutApparels || ds.Train.N != 6 || ds.Train.Labels[5] != 5 {
				t.Fatalf("got %v", ds)
			}
			if (ds.Test != nil) != c.test {
				t.Fatalf("test set %v, want present=%v", ds.Test, c.test)
			}
			if c.test && ds.SubmissionIDs[0] != c.subID {
				t.Errorf("first submission id %d, want %d", ds.SubmissionIDs[0], c.subID)
			}
		})
	}
}

// TestLoadApparelsBad is the table of bad Apparels input: every case must be
// an *InputError naming the file and the line.
func TestLoadApparelsBad(t *testing.T) {
	hugePNG := rawPNG(100000, 100000, 8, 0, [][]byte{{0}})
	good := grayPNG(t, 4, 4, 0)
	cases := []struct {
		name string
		edit func(t *testing.T, dir string)
		file string
		line int
		msg  string
	}{
		{"no dataset", func(t *testing.T, dir string) {
			os.RemoveAll(dir)
			os.Mkdir(dir, 0o755)
		}, "", 0, "no dataset found"},
		{"no train folder", func(t *testing.T, dir string) { os.RemoveAll(filepath.Join(dir, "train")) }, "/train", 0, "no such folder"},
		{"no test folder", func(t *testing.T, dir string) { os.RemoveAll(filepath.Join(dir, "test")) }, "/test", 0, "no such folder"},
		{"sample without test.csv", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "test.csv")) }, "/test.csv", 0, "no such file"},
		{"empty file", csvFile("train.csv", ""), "train.csv", 1, "empty file"},
		{"wrong header", csvFile("train.csv", "id,class\n1,2\n"), "train.csv", 1, `want "id,label"`},
		{"no header", csvFile("train.csv", "5,0\n3,1\n"), "train.csv", 1, "header"},
		{"test header with label", csvFile("test.csv", "id,label\n104,1\n"), "test.csv", 1, `want "id"`},
		{"extra column", csvFile("train.csv", "id,label\n5,0\n3,1,7\n"), "train.csv", 3, "3 columns, want 2"},
		{"missing column", csvFile("train.csv", "id,label\n5\n"), "train.csv", 2, "1 columns, want 2"},
		{"extra test column", csvFile("test.csv", "id\n104\n101,3\n"), "test.csv", 3, "2 columns"},
		{"bad quote", csvFile("train.csv", "id,label\n5,0\n3,\"1\n"), "train.csv", 3, "quote"},
		{"duplicate id", csvFile("train.csv", "id,label\n5,0\n3,1\n5,2\n"), "train.csv", 4, "duplicate id 5 (first on line 2)"},
		{"duplicate test id", csvFile("test.csv", "id\n104\n104\n"), "test.csv", 3, "duplicate id 104"},
		{"id zero", csvFile("train.csv", "id,label\n0,1\n"), "train.csv", 2, "not a positive integer"},
		{"id negative", csvFile("train.csv", "id,label\n5,0\n-3,1\n"), "train.csv", 3, "not a positive integer"},
		{"id text", csvFile("train.csv", "id,label\nabc,1\n"), "train.csv", 2, "not a positive integer"},
		{"id fraction", csvFile("train.csv", "id,label\n1.5,1\n"), "train.csv", 2, "not a positive integer"},
		{"id leading zero", csvFile("train.csv", "id,label\n007,1\n"), "train.csv", 2, "leading zeros"},
		{"id empty", csvFile("train.csv", "id,label\n,1\n"), "train.csv", 2, "not a positive integer"},
		{"id space", csvFile("train.csv", "id,label\n 5,1\n"), "train.csv", 2, "not a positive integer"},
		{"id escapes dotdot", csvFile("train.csv", "id,label\n5,0\n../x,1\n"), "train.csv", 3, "escape the image folder"},
		{"id escapes slash", csvFile("train.csv", "id,label\na/b,1\n"), "train.csv", 2, "escape the image folder"},
		{"id escapes test", csvFile("test.csv", "id\n..\\x\n"), "test.csv", 2, "escape the image folder"},
		{"id too large", csvFile("train.csv", "id,label\n99999999999999999999999,1\n"), "train.csv", 2, "not a positive integer"},
		{"label 10", csvFile("train.csv", "id,label\n5,0\n3,10\n"), "train.csv", 3, `label "10"`},
		{"label negative", csvFile("train.csv", "id,label\n5,-1\n"), "train.csv", 2, `label "-1"`},
		{"label text", csvFile("train.csv", "id,label\n5,Bag\n"), "train.csv", 2, `label "Bag"`},
		{"label empty", csvFile("train.csv", "id,label\n5,\n"), "train.csv", 2, `label ""`},
		{"empty train", csvFile("train.csv", "id,label\n"), "train.csv", 0, "empty dataset"},
		{"empty test", csvFile("test.csv", "id\n\n"), "test.csv", 0, "empty dataset"},
		{"missing image", csvFile("train.csv", "id,label\n5,0\n3,1\n44,2\n"), "train.csv", 4, "image train/44.png: no such file"},
		{"missing first image", csvFile("train.csv", "id,label\n44,0\n"), "train.csv", 2, "image train/44.png: no such file"},
		{"missing test image", func(t *testing.T, dir string) {
			csvFile("test.csv", "id\n104\n101\n103\n105\n")(t, dir)
			os.Remove(filepath.Join(dir, "sample_submission.csv"))
		}, "test.csv", 5, "image test/105.png"},
		{"corrupt png", file("train/9.png", []byte("this is not a PNG")), "train/9.png", 0, "not a valid PNG"},
		{"corrupt first png", file("train/5.png", []byte("GIF89a")), "train/5.png", 0, "(listed on train.csv line 2)"},
		{"truncated png", file("train/12.png", good[:len(good)-30]), "train/12.png", 0, "corrupt or truncated PNG"},
		{"corrupt idat", file("train/12.png", flipByte(good, len(good)-20)), "train/12.png", 0, "(listed on train.csv line 5)"},
		{"other size", file("train/7.png", grayPNG(t, 5, 4, 0)), "train/7.png", 0, "image is 5x4, want 4x4"},
		{"other test size", file("test/103.png", grayPNG(t, 4, 3, 0)), "test/103.png", 0, "(listed on test.csv line 4)"},
		{"huge header", file("train/3.png", hugePNG), "train/3.png", 0, "header claims 100000x100000"},
		{"huge first header", file("train/5.png", hugePNG), "train/5.png", 0, "header claims"},
		// Not regular files: named for what they are, never read (a FIFO
		// would block forever, /dev/zero never ends); see also hostile_test.go.
		{"png fifo", special("train/9.png", fifo), "train/9.png", 0, "not a regular file (a named pipe) (listed on train.csv line 4)"},
		{"first png fifo", special("train/5.png", fifo), "train/5.png", 0, "not a regular file (a named pipe) (listed on train.csv line 2)"},
		{"png /dev/zero", special("test/101.png", devZero), "test/101.png", 0, "not a regular file (a device) (listed on test.csv line 3)"},
		{"png folder", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "train/7.png"))
			os.Mkdir(filepath.Join(dir, "train/7.png"), 0o755)
		}, "train/7.png", 0, "not a regular file (a folder)"},
		{"dangling symlink", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "train/7.png"))
			os.Symlink("nowhere.png", filepath.Join(dir, "train/7.png"))
		}, "train.csv", 6, "image train/7.png: no such file"},
		// Larger than the header allows: refused from the header and the
		// file's size, before the file is read.
		{"png sparse 4 GiB", func(t *testing.T, dir string) { sparse(t, dir, "train/9.png", good, 4<<30) }, "train/9.png", 0, "file is 4294967296 bytes, more than a 4x4 PNG may take"},
		{"png trailing 2 MiB", file("train/9.png", append(slices.Clone(good), make([]byte, 2<<20)...)), "train/9.png", 0, "more than a 4x4 PNG may take (1048597)"},
		{"first png trailing 2 MiB", file("train/5.png", append(slices.Clone(good), make([]byte, 2<<20)...)), "train/5.png", 0, "more than a 4x4 PNG may take"},
		{"sample id not in test", csvFile("sample_submission.csv", "id,label\n101,0\n102,0\n104,0\n"), "sample_submission.csv", 3, "id 102 is not in test.csv"},
		{"sample lacks ids", csvFile("sample_submission.csv", "id,label\n101,0\n104,0\n"), "sample_submission.csv", 0, "lists 2 ids but test.csv lists 3"},
		{"sample header", csvFile("sample_submission.csv", "id\n101\n"), "sample_submission.csv", 1, "header"},
		{"sample duplicate", csvFile("sample_submission.csv", "id,label\n101,0\n101,0\n"), "sample_submission.csv", 3, "duplicate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			smallApparels(t, dir)
			c.edit(t, dir)
			_, err := Load(dir, LoadOptions{Workers: 2})
			want := filepath.Base(dir) + c.file
			if c.file != "" && c.file[0] != '/' {
				want = filepath.Base(dir) + "/" + c.file
			}
			inputErr(t, err, want, c.line, 0, c.msg)
		})
	}
}

// TestLoadMissingFolder names the folder given.
func TestLoadMissingFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nope")
	_, err := Load(dir, LoadOptions{})
	inputErr(t, err, "/nope", 0, 0, "no such file")
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o644)
	_, err = Load(f, LoadOptions{})
	inputErr(t, err, "/file", 0, 0, "not a folder")
}

// TestLoadFirstErrorWins checks that with many bad images and several
// workers the error is always the one a sequential read would report.
func TestLoadFirstErrorWins(t *testing.T) {
	dir := t.TempDir()
	rows := "id,label\n"
	for i := 1; i <= 600; i++ {
		rows += itoa(i) + ",1\n"
		img := grayPNG(t, 3, 3, 0)
		if i >= 300 && i%7 == 0 {
			img = []byte("bad")
		}
		writeFile(t, dir, "train/"+itoa(i)+".png", img)
	}
	writeFile(t, dir, "train.csv", []byte(rows))
	for range 5 {
		_, err := Load(dir, LoadOptions{Workers: 4})
		inputErr(t, err, "train/301.png", 0, 0, "(listed on train.csv line 302)")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func csvFile(name, content string) func(t *testing.T, dir string) {
	return file(name, []byte(content))
}

func file(name string, content []byte) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) { writeFile(t, dir, name, content) }
}

func flipByte(b []byte, i int) []byte {
	b = slices.Clone(b)
	b[i] ^= 0xff
	return b
}

// special replaces a file of the layout with what make makes (fifo,
// devZero).
func special(rel string, make func(t *testing.T, dir, rel string)) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) { make(t, dir, rel) }
}
