package data

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// The fuzz targets feed arbitrary bytes to the three readers. Their seeds
// (f.Add) run in every plain `go test`; a real fuzz run is
//
//	go test ./data/ -run '^$' -fuzz FuzzCSV -fuzztime 60s
//
// (likewise FuzzPNG, FuzzIDX). Invariants: no panic, every error is an
// *InputError (or a plain PNG error), and what is accepted is valid.

func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"id,label\n1,0\n2,9\n",
		"\ufeffid,label\r\n5,3\r\n7,1\r\n\r\n",
		"id\n104\n101\n",
		"id,label\n1,0\n1,1\n",
		"id,label\n../x,1\n",
		"id,label\n1,10\n",
		"id,label\n\"1\",\"2\"\n",
		"id,label\n1,2,3\n",
		"",
		"id,label\n",
		"id,label\n0007,1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, mode := range []labelColumn{noLabel, classLabel, anyLabel} {
			rows, err := parseCSV("f.csv", bytes.NewReader(b), mode)
			if err != nil {
				var ie *InputError
				if !errors.As(err, &ie) || ie.File != "f.csv" {
					t.Fatalf("error %T %v", err, err)
				}
				continue
			}
			seen := map[int64]bool{}
			for _, r := range rows {
				if r.id <= 0 || seen[r.id] || r.line < 2 {
					t.Fatalf("accepted row %+v", r)
				}
				seen[r.id] = true
				if mode == classLabel && (r.label < 0 || int(r.label) >= NumClasses) {
					t.Fatalf("accepted label %d", r.label)
				}
			}
		}
	})
}

func FuzzPNG(f *testing.F) {
	gray := image.NewGray(image.Rect(0, 0, 3, 2))
	rgba := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	rgba.Set(1, 1, color.NRGBA{1, 2, 3, 4})
	pal := image.NewPaletted(image.Rect(0, 0, 2, 1), color.Palette{color.Black, color.White})
	g16 := image.NewGray16(image.Rect(0, 0, 1, 1))
	for _, img := range []image.Image{gray, rgba, pal, g16} {
		var b bytes.Buffer
		png.Encode(&b, img)
		f.Add(b.Bytes())
		f.Add(b.Bytes()[:b.Len()/2])
	}
	f.Add(rawPNG(2, 1, 8, 4, [][]byte{{1, 2, 3, 4}}))
	f.Add(rawPNG(100000, 100000, 8, 0, nil))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if cfg, err := pngFileHeader(bytes.NewReader(b), int64(len(b))); err == nil && int64(len(b)) > pngMaxBytes(cfg) {
			t.Fatalf("accepted %d bytes for a %dx%d PNG", len(b), cfg.Width, cfg.Height)
		}
		w, h, err := pngSize(b)
		if err != nil {
			return
		}
		if w <= 0 || h <= 0 || w > MaxImageSide || h > MaxImageSide {
			t.Fatalf("accepted size %dx%d", w, h)
		}
		dst := make([]uint8, w*h)
		decodePNGGray(dst, b, w, h) // errors are fine, panics are not
		if decodePNGGray(dst, b, w+1, h) == nil {
			t.Fatal("accepted a wrong size")
		}
	})
}

func FuzzIDX(f *testing.F) {
	img, lab := idxImages(3, 2, 2), idxLabels(1, 2, 3)
	f.Add(img, lab)
	f.Add(gz(img), gz(lab))
	f.Add(img[:20], lab[:9])
	f.Add(lab, img)
	f.Add(header(idxImagesMagic, 1<<30, 4000, 4000), idxLabels(12))
	f.Add(gz(img)[:25], []byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, images, labels []byte) {
		open := func(b []byte, magic uint32) *idxFile {
			x, err := parseIDXHeader("f", bytes.NewReader(b), int64(len(b)), magic)
			if err != nil {
				var ie *InputError
				if !errors.As(err, &ie) || ie.File != "f" {
					t.Fatalf("error %T %v", err, err)
				}
				return nil
			}
			if x.n <= 0 || x.n > MaxSetImages || x.h <= 0 || x.w <= 0 || uint64(x.n*x.h*x.w) > MaxSetPixels {
				t.Fatalf("accepted a header of %d records of %dx%d", x.n, x.h, x.w)
			}
			return x
		}
		img, lab := open(images, idxImagesMagic), open(labels, idxLabelsMagic)
		if img == nil || lab == nil {
			return
		}
		if err := checkIDXPair(img, lab); err != nil {
			if img.n == lab.n {
				t.Fatalf("refused a pair of %d records: %v", img.n, err)
			}
			return
		}
		s, err := readIDXPair(img, lab)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.File != "f" {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if s.N != img.n || len(s.Pixels) != s.N*s.H*s.W || len(s.Labels) != s.N {
			t.Fatalf("accepted %d records of %dx%d with %d bytes and %d labels", s.N, s.H, s.W, len(s.Pixels), len(s.Labels))
		}
		for _, l := range s.Labels {
			if l < 0 || int(l) >= NumClasses {
				t.Fatalf("accepted label %d", l)
			}
		}
	})
}
