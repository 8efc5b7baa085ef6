package data

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
)

// pngSize reads the width and height from a PNG header without decoding the
// pixels, and refuses sizes beyond MaxImageSide.
func pngSize(b []byte) (w, h int, err error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return 0, 0, fmt.Errorf("not a valid PNG: %v", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxImageSide || cfg.Height > MaxImageSide {
		return 0, 0, fmt.Errorf("header claims %dx%d pixels; at most %d a side is accepted", cfg.Width, cfg.Height, MaxImageSide)
	}
	return cfg.Width, cfg.Height, nil
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
