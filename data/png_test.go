package data

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"slices"
	"testing"
)

// Four test colors and their luminance as PIL's convert("L") gives it:
// red 76, green 150, blue 29 are PIL's well-known values; (10,200,30) is
// 10*.299 + 200*.587 + 30*.114 = 123.81 -> 124.
var (
	testColors = []color.NRGBA{{255, 0, 0, 255}, {0, 255, 0, 128}, {0, 0, 255, 0}, {10, 200, 30, 255}}
	testLuma   = []uint8{76, 150, 29, 124}
	grayVals   = []uint8{0, 77, 200, 255}
)

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestPNGColorTypes decodes a 4x1 PNG of every color type and bit depth
// family to 8-bit luminance. Alpha is ignored, as in PIL.
func TestPNGColorTypes(t *testing.T) {
	gray8 := image.NewGray(image.Rect(0, 0, 4, 1))
	gray16 := image.NewGray16(image.Rect(0, 0, 4, 1))
	rgb8 := image.NewRGBA(image.Rect(0, 0, 4, 1))      // opaque: written as RGB
	rgba8 := image.NewNRGBA(image.Rect(0, 0, 4, 1))    // written as RGBA
	rgb16 := image.NewRGBA64(image.Rect(0, 0, 4, 1))   // opaque: written as 16-bit RGB
	rgba16 := image.NewNRGBA64(image.Rect(0, 0, 4, 1)) // written as 16-bit RGBA
	pal := image.NewPaletted(image.Rect(0, 0, 4, 1), nil)
	palAlpha := image.NewPaletted(image.Rect(0, 0, 4, 1), nil)
	for x, c := range testColors {
		v := grayVals[x]
		gray8.SetGray(x, 0, color.Gray{v})
		gray16.SetGray16(x, 0, color.Gray16{uint16(v)<<8 | 0x7f}) // the low byte is dropped
		rgb8.SetRGBA(x, 0, color.RGBA{c.R, c.G, c.B, 255})
		rgba8.SetNRGBA(x, 0, c)
		rgb16.SetRGBA64(x, 0, color.RGBA64{uint16(c.R) * 257, uint16(c.G) * 257, uint16(c.B) * 257, 0xffff})
		rgba16.SetNRGBA64(x, 0, color.NRGBA64{uint16(c.R) * 257, uint16(c.G) * 257, uint16(c.B) * 257, uint16(c.A) * 257})
		pal.Palette = append(pal.Palette, color.RGBA{c.R, c.G, c.B, 255})
		palAlpha.Palette = append(palAlpha.Palette, c)
		pal.Pix[x], palAlpha.Pix[x] = uint8(3-x), uint8(3-x) // reversed, to test the lookup
	}
	rev := slices.Clone(testLuma)
	slices.Reverse(rev)
	grayAlpha8 := rawPNG(4, 1, 8, 4, [][]byte{{0, 255, 77, 0, 200, 9, 255, 128}})
	grayAlpha16 := rawPNG(4, 1, 16, 4, [][]byte{{0, 1, 255, 255, 77, 2, 0, 0, 200, 3, 9, 9, 255, 4, 128, 0}})
	gray1 := rawPNG(4, 1, 1, 0, [][]byte{{0b0101_0000}})
	gray4 := rawPNG(4, 1, 4, 0, [][]byte{{0x05, 0xaf}})
	grayTRNS := rawPNG(4, 1, 8, 0, [][]byte{grayVals}, pngChunk{"tRNS", []byte{0, 77}})
	cases := []struct {
		name string
		png  []byte
		want []uint8
	}{
		{"gray 8", encodePNG(t, gray8), grayVals},
		{"gray 16", encodePNG(t, gray16), grayVals},
		{"gray 1", gray1, []uint8{0, 255, 0, 255}},
		{"gray 4", gray4, []uint8{0, 0x55, 0xaa, 0xff}},
		{"gray with tRNS", grayTRNS, grayVals},
		{"gray+alpha 8", grayAlpha8, grayVals},
		{"gray+alpha 16", grayAlpha16, grayVals},
		{"rgb 8", encodePNG(t, rgb8), testLuma},
		{"rgba 8", encodePNG(t, rgba8), testLuma},
		{"rgb 16", encodePNG(t, rgb16), testLuma},
		{"rgba 16", encodePNG(t, rgba16), testLuma},
		{"paletted", encodePNG(t, pal), rev},
		{"paletted with alpha", encodePNG(t, palAlpha), rev},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dst := make([]uint8, 4)
			if err := decodePNGGray(dst, c.png, 4, 1); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(dst, c.want) {
				t.Errorf("got %v, want %v", dst, c.want)
			}
		})
	}
}

// TestLumaMatchesFormula checks the fixed-point luma against the ITU-R
// 601-2 formula rounded to nearest, on a grid of colors.
func TestLumaMatchesFormula(t *testing.T) {
	for r := 0; r < 256; r += 15 {
		for g := 0; g < 256; g += 17 {
			for b := 0; b < 256; b += 5 {
				exact := float64(r)*0.299 + float64(g)*0.587 + float64(b)*0.114
				got := float64(luma8(uint8(r), uint8(g), uint8(b)))
				if d := got - exact; d > 0.5+1e-3 || d < -0.5-1e-3 {
					t.Fatalf("luma(%d,%d,%d) = %v, formula %v", r, g, b, got, exact)
				}
			}
		}
	}
	for v := range 256 {
		if luma8(uint8(v), uint8(v), uint8(v)) != uint8(v) {
			t.Fatalf("gray %d changes", v)
		}
	}
}

// TestPNGHugeHeader: a header claiming huge dimensions is refused from
// DecodeConfig alone (the file has no pixel data for them).
func TestPNGHugeHeader(t *testing.T) {
	b := rawPNG(MaxImageSide+1, 1, 8, 0, nil)
	if _, _, err := pngSize(b); err == nil {
		t.Fatal("accepted")
	}
	if err := decodePNGGray(make([]uint8, 1), b, 1, 1); err == nil {
		t.Fatal("accepted")
	}
}

// TestDecodeWorkers: large images are decoded by fewer workers, so that
// the decoding buffers stay within decodeBudget (or one image).
func TestDecodeWorkers(t *testing.T) {
	for _, c := range []struct{ workers, w, h, want int }{
		{16, 28, 28, 16},
		{16, 1024, 1024, 8},
		{16, 1024, 2048, 4},
		{16, 4096, 4096, 1},
		{3, 1, 1, 3},
	} {
		if got := decodeWorkers(c.workers, c.w, c.h); got != c.want {
			t.Errorf("decodeWorkers(%d, %d, %d) = %d, want %d", c.workers, c.w, c.h, got, c.want)
		}
	}
}

// TestPNGMaxBytesAdmitsNoise: the largest PNGs image/png writes, of
// incompressible noise in every colour type, stay within pngMaxBytes with
// only 1 KiB of its slack (for the signature, IHDR, PLTE and IEND).
func TestPNGMaxBytesAdmitsNoise(t *testing.T) {
	x := uint32(1)
	noise := func(b []byte) {
		for i := range b {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			b[i] = byte(x)
		}
	}
	for _, size := range []image.Point{{1, 1}, {28, 28}, {301, 7}, {512, 300}} {
		r := image.Rect(0, 0, size.X, size.Y)
		gray, gray16 := image.NewGray(r), image.NewGray16(r)
		nrgba, nrgba64 := image.NewNRGBA(r), image.NewNRGBA64(r)
		pal := image.NewPaletted(r, nil)
		for i := range 256 {
			pal.Palette = append(pal.Palette, color.RGBA{uint8(i), uint8(255 - i), uint8(i / 2), 255})
		}
		for _, pix := range [][]byte{gray.Pix, gray16.Pix, nrgba.Pix, nrgba64.Pix, pal.Pix} {
			noise(pix)
		}
		for _, img := range []image.Image{gray, gray16, nrgba, nrgba64, pal} {
			b := encodePNG(t, img)
			cfg, err := png.DecodeConfig(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if limit := pngMaxBytes(cfg) - pngSlack + 1024; int64(len(b)) > limit {
				t.Errorf("%T %v: %d bytes, more than the %d allowed for its pixels", img, size, len(b), limit)
			}
			if _, err := pngFileHeader(bytes.NewReader(b), int64(len(b))); err != nil {
				t.Errorf("%T %v: %v", img, size, err)
			}
		}
	}
}
