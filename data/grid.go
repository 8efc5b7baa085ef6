package data

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/glcnn/glcnn/internal/fsutil"
)

// Grid geometry: each image is scaled up by an integer factor so that 28x28
// images are readable, and captioned underneath in basicfont's 7x13 face.
const (
	gridMinSide   = 84 // scaled image side at least this many pixels
	gridPad       = 4
	gridCaption   = 15                               // caption strip height
	gridCaptionW  = 7*len("T-shirt/top") + 2*gridPad // widest class name
	gridMaxImages = 4096
)

// WriteGrid writes a PNG of the first n images of s (at most 4096) in a
// near-square grid, each captioned with its class name, or with its id
// when s has no labels. The file is written atomically (fsutil.WriteFileAtomic).
func WriteGrid(path string, s *Set, n int) error {
	if s == nil || s.N == 0 {
		return fmt.Errorf("data: grid: no images")
	}
	if n <= 0 {
		return fmt.Errorf("data: grid: %d images asked for", n)
	}
	n = min(n, s.N, gridMaxImages)
	img := renderGrid(s, n)
	return fsutil.WriteFileAtomic(path, func(w io.Writer) error {
		return png.Encode(w, img)
	})
}

// renderGrid draws the grid of WriteGrid.
func renderGrid(s *Set, n int) *image.RGBA {
	scale := max(1, (gridMinSide+max(s.H, s.W)-1)/max(s.H, s.W))
	cellW := max(s.W*scale, gridCaptionW) + 2*gridPad
	cellH := s.H*scale + gridCaption + 2*gridPad
	cols := int(math.Ceil(math.Sqrt(float64(n))))
	rows := (n + cols - 1) / cols
	dst := image.NewRGBA(image.Rect(0, 0, cols*cellW, rows*cellH))
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	ink := image.NewUniform(color.RGBA{0x20, 0x20, 0x20, 0xff})
	for k := range n {
		x0 := (k%cols)*cellW + (cellW-s.W*scale)/2
		y0 := (k/cols)*cellH + gridPad
		pix := s.Image(k)
		for y := range s.H * scale {
			for x := range s.W * scale {
				v := pix[(y/scale)*s.W+x/scale]
				dst.SetRGBA(x0+x, y0+y, color.RGBA{v, v, v, 0xff})
			}
		}
		caption := "#" + strconv.FormatInt(s.ID(k), 10)
		if s.Labels != nil {
			caption = ClassNames[s.Labels[k]]
		}
		d := font.Drawer{Dst: dst, Src: ink, Face: basicfont.Face7x13}
		tw := d.MeasureString(caption).Ceil()
		cx := (k%cols)*cellW + (cellW-tw)/2
		d.Dot = fixed.P(cx, y0+s.H*scale+gridCaption-3)
		d.DrawString(caption)
	}
	return dst
}
