package data

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestExportApparels(t *testing.T) {
	src := t.TempDir()
	smallApparels(t, src)
	ds, err := Load(src, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	if err := ExportApparels(ds, dir, 4); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"train.csv":             "id,label\n5,0\n3,1\n9,2\n12,3\n",
		"test.csv":              "id\n104\n101\n103\n",
		"sample_submission.csv": "id,label\n101,0\n103,0\n104,0\n",
	} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q (%v), want %q", name, got, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "train", "7.png")); !errors.Is(err, os.ErrNotExist) {
		t.Error("limit not applied")
	}
	ents, _ := os.ReadDir(parent)
	if len(ents) != 1 { // only out/, no temporary folder
		t.Errorf("leftovers next to the export: %v", ents)
	}
	// A non-empty folder is refused; an empty one is replaced.
	if err := ExportApparels(ds, dir, 0); err == nil {
		t.Error("exported over a non-empty folder")
	}
	plain := filepath.Join(parent, "plain")
	os.WriteFile(plain, []byte("keep"), 0o644)
	if err := ExportApparels(ds, plain, 0); err == nil {
		t.Error("exported over a file")
	}
	if b, _ := os.ReadFile(plain); string(b) != "keep" {
		t.Error("the file in the way was touched")
	}
	empty := filepath.Join(parent, "empty")
	os.Mkdir(empty, 0o755)
	if err := ExportApparels(ds, empty, 0); err != nil {
		t.Fatal(err)
	}
	back, err := Load(empty, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sameDataset(t, back, ds)
}

func TestWriteGrid(t *testing.T) {
	s := unbalanced(20)
	s.H, s.W = 2, 1 // 2x1 images whose pixels trace the index
	p := filepath.Join(t.TempDir(), "grid.png")
	if err := WriteGrid(p, s, 7); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	// 7 images: 3 columns, 3 rows of cells.
	scale := gridMinSide / 2
	cellW := gridCaptionW + 2*gridPad
	cellH := 2*scale + gridCaption + 2*gridPad
	if got := img.Bounds(); got != image.Rect(0, 0, 3*cellW, 3*cellH) {
		t.Fatalf("grid %v, want %dx%d", got, 3*cellW, 3*cellH)
	}
	// Image 4 (row 1, column 1), its top pixel is 4.
	x := cellW + (cellW-scale)/2 + scale/2
	y := cellH + gridPad + scale/2
	if r, _, _, _ := img.At(x, y).RGBA(); r>>8 != 4 {
		t.Errorf("pixel of image 4 = %d, want 4", r>>8)
	}
	// The caption strip holds dark text.
	dark := false
	for yy := cellH + gridPad + 2*scale; yy < 2*cellH; yy++ {
		for xx := cellW; xx < 2*cellW; xx++ {
			if r, _, _, _ := img.At(xx, yy).RGBA(); r < 0x8000 {
				dark = true
			}
		}
	}
	if !dark {
		t.Error("no caption drawn")
	}
	if err := WriteGrid(p, s, 0); err == nil {
		t.Error("n = 0 accepted")
	}
}

func TestProgressOnlyOnTerminal(t *testing.T) {
	var buf bytes.Buffer
	dir := t.TempDir()
	smallApparels(t, dir)
	if _, err := Load(dir, LoadOptions{Progress: &buf}); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Create(filepath.Join(t.TempDir(), "log"))
	defer f.Close()
	if _, err := Load(dir, LoadOptions{Progress: f}); err != nil {
		t.Fatal(err)
	}
	st, _ := f.Stat()
	if buf.Len() != 0 || st.Size() != 0 {
		t.Errorf("progress written to a non-terminal: %q, %d bytes", buf.String(), st.Size())
	}
}
