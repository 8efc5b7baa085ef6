package data

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
)

// pngSlack is the room a PNG may take besides its pixel data (palette,
// text and colour-profile chunks); it also bounds how far into a file its
// header is looked for.
const pngSlack = 1 << 20

// pngSize reads the width and height from a PNG header without decoding the
// pixels, and refuses sizes beyond MaxImageSide.
func pngSize(b []byte) (w, h int, err error) {
	cfg, err := pngConfig(bytes.NewReader(b))
	return cfg.Width, cfg.Height, err
}

// pngConfig reads a PNG header from r and refuses sizes beyond
// MaxImageSide.
func pngConfig(r io.Reader) (image.Config, error) {
	cfg, err := png.DecodeConfig(r)
	if err != nil {
		return cfg, fmt.Errorf("not a valid PNG: %v", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxImageSide || cfg.Height > MaxImageSide {
		return cfg, fmt.Errorf("header claims %dx%d pixels; at most %d a side is accepted", cfg.Width, cfg.Height, MaxImageSide)
	}
	return cfg, nil
}

// pngMaxBytes is the largest file accepted for a PNG of cfg's size: its
// scanlines at the widest samples its colour model stands for (16-bit RGBA
// unless it is 8-bit gray, 16-bit gray, 8-bit colour or a palette), a
// sixteenth more for deflate's stored blocks and the IDAT chunks' framing
// (5 bytes in 65,535 and 12 bytes a chunk; encoders write chunks of 8 KiB
// and more), and pngSlack.
func pngMaxBytes(cfg image.Config) int64 {
	bits := int64(64)
	switch cfg.ColorModel {
	case color.GrayModel:
		bits = 8
	case color.Gray16Model:
		bits = 16
	case color.RGBAModel, color.NRGBAModel:
		bits = 32
	}
	if _, ok := cfg.ColorModel.(color.Palette); ok {
		bits = 8
	}
	raw := int64(cfg.Height) * (1 + (int64(cfg.Width)*bits+7)/8)
	return raw + raw/16 + pngSlack
}

// pngFileHeader reads and checks the header of the PNG f of size bytes,
// reading at most pngSlack bytes, and refuses a file larger than a PNG of
// that size may be.
func pngFileHeader(f io.ReaderAt, size int64) (image.Config, error) {
	cfg, err := pngConfig(bufio.NewReaderSize(io.NewSectionReader(f, 0, min(size, pngSlack)), 4096))
	if err != nil {
		return cfg, err
	}
	if limit := pngMaxBytes(cfg); size > limit {
		return cfg, fmt.Errorf("file is %d bytes, more than a %dx%d PNG may take (%d)", size, cfg.Width, cfg.Height, limit)
	}
	return cfg, nil
}

// readPNG reads the PNG f of size bytes into buf (reused, grown as needed)
// once its header has been checked and allows that size.
func readPNG(buf []byte, f io.ReaderAt, size int64) ([]byte, error) {
	if _, err := pngFileHeader(f, size); err != nil {
		return buf, err
	}
	if int64(cap(buf)) < size {
		buf = make([]byte, size)
	}
	buf = buf[:size]
	if k, err := f.ReadAt(buf, 0); err != nil {
		return buf, fmt.Errorf("read %d of %d bytes: %v", k, size, err)
	}
	return buf, nil
}

// decodePNGGray decodes the PNG in b, which must be w x h, into dst (w*h
// bytes) as 8-bit luminance. The size is checked from the header before any
// pixel is decoded.
func decodePNGGray(dst []uint8, b []byte, w, h int) error {
	gw, gh, err := pngSize(b)
	if err != nil {
		return err
	}
	if gw != w || gh != h {
		return fmt.Errorf("image is %dx%d, want %dx%d like the first train image", gw, gh, w, h)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("corrupt or truncated PNG: %v", err)
	}
	toGray(dst, img)
	return nil
}

// luma8 is ITU-R 601-2 luma, L = R*299/1000 + G*587/1000 + B*114/1000,
// rounded to nearest in 16.16 fixed point exactly as PIL's convert("L")
// computes it, so pixels match the article's Python pipeline. The weights sum
// to 65536, so a gray pixel keeps its value.
func luma8(r, g, b uint8) uint8 {
	return uint8((uint32(r)*19595 + uint32(g)*38470 + uint32(b)*7471 + 0x8000) >> 16)
}

// luma16 is luma8 of 16-bit samples reduced to their high byte, the usual
// 16-to-8-bit reduction (exact for 8-bit data stored as v*257).
func luma16(r, g, b uint16) uint8 {
	return luma8(uint8(r>>8), uint8(g>>8), uint8(b>>8))
}

// toGray writes img as 8-bit luminance into dst, row-major. Alpha is ignored,
// as PIL's convert("L") ignores it: a transparent pixel reads as its stored
// color. The types are those image/png produces; gray+alpha arrives as NRGBA
// (8-bit) or NRGBA64 (16-bit) with equal color channels.
func toGray(dst []uint8, img image.Image) {
	b := img.Bounds()
	w := b.Dx()
	k := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := dst[k : k+w]
		k += w
		switch m := img.(type) {
		case *image.Gray:
			copy(row, m.Pix[m.PixOffset(b.Min.X, y):])
		case *image.Gray16:
			p := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range row {
				row[x] = p[2*x] // high byte
			}
		case *image.NRGBA:
			p := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range row {
				row[x] = luma8(p[4*x], p[4*x+1], p[4*x+2])
			}
		case *image.RGBA: // opaque RGB
			p := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range row {
				row[x] = luma8(p[4*x], p[4*x+1], p[4*x+2])
			}
		case *image.Paletted:
			lut := paletteLuma(m.Palette)
			p := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range row {
				row[x] = lut[p[x]]
			}
		default: // 16-bit RGB(A) and gray+alpha, and anything else
			for x := range row {
				c := color.NRGBA64Model.Convert(img.At(b.Min.X+x, y)).(color.NRGBA64)
				row[x] = luma16(c.R, c.G, c.B)
			}
		}
	}
}

// paletteLuma maps every palette index to its luminance; indices beyond the
// palette (which image/png refuses anyway) read as black.
func paletteLuma(pal color.Palette) *[256]uint8 {
	var lut [256]uint8
	for i, c := range pal {
		if i >= len(lut) {
			break
		}
		switch c := c.(type) {
		case color.RGBA: // opaque entry
			lut[i] = luma8(c.R, c.G, c.B)
		case color.NRGBA: // entry with tRNS alpha
			lut[i] = luma8(c.R, c.G, c.B)
		default:
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			lut[i] = luma8(n.R, n.G, n.B)
		}
	}
	return &lut
}
