package data

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"path/filepath"
	"strings"

	"golang.org/x/image/draw"

	"github.com/glcnn/glcnn/internal/fsutil"
)

// ImageFile reports whether name looks like an image ReadImage reads (a
// .png, .jpg or .jpeg name, in any case): how a folder of images is listed.
func ImageFile(name string) bool {
	ext := filepath.Ext(name)
	switch strings.ToLower(ext) {
	case ".png", ".jpg", ".jpeg":
		return len(name) > len(ext) // not a bare ".png"
	}
	return false
}

// ReadImage reads a PNG or JPEG file (told apart by their signatures, not
// the name) as 8-bit gray, exactly as Load reads the Apparels layout's
// PNGs: ITU-R 601-2 luma rounded as PIL's convert("L"), alpha ignored.
// It refuses, as an *InputError naming path, a file that is not regular (a
// FIFO or a device is never opened for a blocking read), an image larger
// than MaxImageSide a side, a PNG larger than its size allows, and a corrupt
// file; the size is read from the header before any pixel is decoded.
func ReadImage(path string) (*image.Gray, error) {
	f, size, err := fsutil.OpenRegular(path)
	if err != nil {
		return nil, &InputError{File: path, Msg: missingMsg(err)}
	}
	defer f.Close()
	var sig [3]byte
	if _, err := f.ReadAt(sig[:], 0); err != nil {
		return nil, &InputError{File: path, Msg: "not a PNG or JPEG image (too short)"}
	}
	var img image.Image
	switch {
	case sig == [3]byte{0x89, 'P', 'N'}:
		var b []byte
		if b, err = readPNG(nil, f, size); err == nil {
			img, err = png.Decode(bytes.NewReader(b))
		}
	case sig == [3]byte{0xff, 0xd8, 0xff}:
		img, err = readJPEG(io.NewSectionReader(f, 0, size))
	default:
		return nil, &InputError{File: path, Msg: "not a PNG or JPEG image"}
	}
	if err != nil {
		return nil, &InputError{File: path, Msg: err.Error()}
	}
	g := image.NewGray(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	toGray(g.Pix, img)
	return g, nil
}

// readJPEG decodes a JPEG once its header allows its size.
func readJPEG(r io.ReadSeeker) (image.Image, error) {
	cfg, err := jpeg.DecodeConfig(r)
	if err != nil {
		return nil, fmt.Errorf("not a valid JPEG: %v", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxImageSide || cfg.Height > MaxImageSide {
		return nil, fmt.Errorf("header claims %dx%d pixels; at most %d a side is accepted", cfg.Width, cfg.Height, MaxImageSide)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	img, err := jpeg.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("corrupt or truncated JPEG: %v", err)
	}
	return img, nil
}

// Resize scales img to w x h with a Catmull-Rom filter (which averages
// over the source pixels when it shrinks, so a photo does not alias).
func Resize(img *image.Gray, w, h int) *image.Gray {
	dst := image.NewGray(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
	return dst
}

// NewSet makes a Set of images, which must all have the same size, with
// ids 1..len(imgs) and no labels. It panics when the sizes differ.
func NewSet(imgs []*image.Gray) *Set {
	if len(imgs) == 0 {
		return &Set{}
	}
	w, h := imgs[0].Bounds().Dx(), imgs[0].Bounds().Dy()
	s := &Set{N: len(imgs), H: h, W: w, Pixels: make([]uint8, 0, len(imgs)*w*h)}
	for i, g := range imgs {
		if g.Bounds().Dx() != w || g.Bounds().Dy() != h {
			panic(fmt.Sprintf("data: NewSet: image %d is %dx%d, image 0 %dx%d", i, g.Bounds().Dx(), g.Bounds().Dy(), w, h))
		}
		for y := range h {
			s.Pixels = append(s.Pixels, g.Pix[y*g.Stride:y*g.Stride+w]...)
		}
	}
	return s
}
