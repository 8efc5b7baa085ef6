package data

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestReadImage: PNGs read as the Apparels layout's (luma of RGB, gray as
// is), gray JPEGs within JPEG's rounding, sizes kept; a file that is not an
// image, not regular or too large is an *InputError naming it.
func TestReadImage(t *testing.T) {
	dir := t.TempDir()
	rgb := image.NewRGBA(image.Rect(0, 0, 5, 3))
	gray := image.NewGray(image.Rect(0, 0, 5, 3))
	for i := range 15 {
		c := color.RGBA{uint8(i * 17), uint8(255 - i*13), uint8(i * 5), 255}
		rgb.Set(i%5, i/5, c)
		gray.Pix[i] = uint8(i * 16)
	}
	write := func(name string, enc func(*bytes.Buffer) error) string {
		var b bytes.Buffer
		if err := enc(&b); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		os.WriteFile(p, b.Bytes(), 0o644)
		return p
	}
	pngRGB := write("rgb.png", func(b *bytes.Buffer) error { return png.Encode(b, rgb) })
	jpgGray := write("gray.JPG", func(b *bytes.Buffer) error { return jpeg.Encode(b, gray, &jpeg.Options{Quality: 100}) })
	got, err := ReadImage(pngRGB)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 15 {
		c := rgb.RGBAAt(i%5, i/5)
		if want := luma8(c.R, c.G, c.B); got.Pix[i] != want {
			t.Fatalf("rgb.png pixel %d: %d, want %d", i, got.Pix[i], want)
		}
	}
	got, err = ReadImage(jpgGray)
	if err != nil || got.Bounds().Dx() != 5 || got.Bounds().Dy() != 3 {
		t.Fatalf("gray.JPG: %v %v", err, got.Bounds())
	}
	for i := range 15 {
		if d := int(got.Pix[i]) - int(gray.Pix[i]); d < -2 || d > 2 {
			t.Errorf("gray.JPG pixel %d: %d, want %d (±2)", i, got.Pix[i], gray.Pix[i])
		}
	}
	if !ImageFile("a.PNG") || !ImageFile("b.jpeg") || ImageFile("c.gif") || ImageFile(".png") {
		t.Error("ImageFile")
	}
	if s := NewSet([]*image.Gray{gray, Resize(got, 5, 3)}); s.N != 2 || s.W != 5 || s.H != 3 || !bytes.Equal(s.Image(0), gray.Pix) {
		t.Errorf("NewSet: %v", s)
	}
	if r := Resize(got, 7, 9); r.Bounds().Dx() != 7 || r.Bounds().Dy() != 9 {
		t.Errorf("Resize: %v", r.Bounds())
	}

	fifo := filepath.Join(dir, "fifo.png")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	text := filepath.Join(dir, "text.png")
	os.WriteFile(text, []byte("hello"), 0o644)
	huge := write("huge.png", func(b *bytes.Buffer) error { return png.Encode(b, image.NewGray(image.Rect(0, 0, MaxImageSide+1, 1))) })
	for _, p := range []string{fifo, text, huge, filepath.Join(dir, "missing.png"), dir} {
		_, err := ReadImage(p)
		var ie *InputError
		if !errors.As(err, &ie) || ie.File != p {
			t.Errorf("ReadImage(%s): %v, want an *InputError naming it", p, err)
		}
	}
}
