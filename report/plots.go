package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Plot images are 800x600 pixels: vgimg renders PNGs at 96 dpi and vg
// lengths are points (1/72 inch).
const (
	plotWidth  = 800 * vg.Inch / 96
	plotHeight = 600 * vg.Inch / 96
)

// Curve colours: matplotlib's first two, which most readers already associate
// with "train" and "validation".
var (
	trainColor = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	valColor   = color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}
)

// maxGlyphPoints is the most epochs drawn with a marker on every point; past
// it the markers would merge into a thick line. A single epoch is always
// marked, or it would not show at all.
const maxGlyphPoints = 40

// legendBand is the fraction of the y range kept free of data for the legend
// (above the loss curves, below the accuracy curves), so it never hides them.
const legendBand = 0.25

// PlotLoss draws the training and validation loss per epoch to a PNG at path,
// atomically. Rows with a NaN validation loss (no validation split) have no
// validation point; non-finite losses are left out.
func PlotLoss(path string, rows []EpochMetrics, title string) error {
	p, err := curvePlot(rows, title, "loss", 1, true,
		func(r EpochMetrics) float64 { return r.TrainLoss },
		func(r EpochMetrics) float64 { return r.ValLoss })
	if err != nil {
		return fmt.Errorf("report: plot %s: %w", path, err)
	}
	return savePNG(path, p)
}

// PlotAccuracy draws the training and validation accuracy per epoch, in
// percent, to a PNG at path, atomically, as PlotLoss does for the loss.
func PlotAccuracy(path string, rows []EpochMetrics, title string) error {
	p, err := curvePlot(rows, title, "accuracy (%)", 100, false,
		func(r EpochMetrics) float64 { return r.TrainAcc },
		func(r EpochMetrics) float64 { return r.ValAcc })
	if err != nil {
		return fmt.Errorf("report: plot %s: %w", path, err)
	}
	return savePNG(path, p)
}

// curvePlot builds a train/validation plot of one metric (times scale).
// With legendTop the legend goes top right over free space above the data
// (losses fall), otherwise bottom right below it (accuracies rise).
func curvePlot(rows []EpochMetrics, title, ylabel string, scale float64, legendTop bool,
	train, val func(EpochMetrics) float64) (*plot.Plot, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("no epochs to plot")
	}
	p := newPlot(title)
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = ylabel
	p.Add(gridLines())

	lo, hi := math.Inf(1), math.Inf(-1)
	series := []struct {
		name  string
		get   func(EpochMetrics) float64
		color color.Color
		shape draw.GlyphDrawer
	}{
		{"train", train, trainColor, draw.CircleGlyph{}},
		{"validation", val, valColor, draw.PyramidGlyph{}},
	}
	for _, s := range series {
		var xys plotter.XYs
		for _, r := range rows {
			if v := s.get(r) * scale; !math.IsNaN(v) && !math.IsInf(v, 0) {
				xys = append(xys, plotter.XY{X: float64(r.Epoch), Y: v})
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		if len(xys) == 0 {
			continue // e.g. no validation split
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, err
		}
		line.Color = s.color
		line.Width = vg.Points(2)
		points.Color = s.color
		points.Shape = s.shape
		points.Radius = vg.Points(3.5)
		p.Add(line)
		if len(xys) <= maxGlyphPoints {
			p.Add(points)
			p.Legend.Add(s.name, line, points)
		} else {
			p.Legend.Add(s.name, line)
		}
	}
	if math.IsInf(lo, 0) {
		return nil, fmt.Errorf("no finite %s values to plot", ylabel)
	}
	setEpochAxis(p, rows)
	setValueAxis(p, lo, hi, scale, legendTop)
	p.Y.Tick.Marker = niceTicks{}
	p.Legend.Top = legendTop
	p.Legend.XOffs = -vg.Points(8)
	p.Legend.YOffs = vg.Points(6)
	if legendTop {
		p.Legend.YOffs = -vg.Points(6)
	}
	p.Legend.ThumbnailWidth = vg.Points(28)
	return p, nil
}

// setEpochAxis spans the epochs, with a little room around a single one, and
// puts ticks on whole epochs only.
func setEpochAxis(p *plot.Plot, rows []EpochMetrics) {
	first, last := float64(rows[0].Epoch), float64(rows[0].Epoch)
	for _, r := range rows {
		first, last = math.Min(first, float64(r.Epoch)), math.Max(last, float64(r.Epoch))
	}
	if first == last {
		first, last = first-0.5, last+0.5
	}
	p.X.Min, p.X.Max = first, last
	p.X.Tick.Marker = integerTicks{}
	p.X.Padding = vg.Points(6)
}

// setValueAxis sets the y range to the data [lo, hi] plus the legend band on
// the legend's side. Losses (legendTop) start the axis at 0 so epochs compare
// by height. Accuracies (scale 100, in %) span at least 10 points, so one
// epoch or a plateau is not magnified into noise, and stay within [0, 100]
// where the data allows.
func setValueAxis(p *plot.Plot, lo, hi, scale float64, legendTop bool) {
	if legendTop {
		p.Y.Min = math.Min(0, lo)
		top := hi + 0.05*(hi-p.Y.Min)
		if top-p.Y.Min < 1e-9 {
			top = p.Y.Min + 1 // all zero
		}
		p.Y.Max = top + legendBand/(1-legendBand)*(top-p.Y.Min)
		return
	}
	if minSpan := 0.1 * scale; hi-lo < minSpan {
		mid := (lo + hi) / 2
		lo, hi = mid-minSpan/2, mid+minSpan/2
		if scale == 100 && hi > 100 {
			lo, hi = lo-(hi-100), 100
		}
	}
	p.Y.Max = hi + 0.05*(hi-lo)
	if scale == 100 && hi <= 100 {
		p.Y.Max = math.Min(p.Y.Max, 100)
	}
	p.Y.Min = lo - legendBand/(1-legendBand)*(p.Y.Max-lo)
	if lo >= 0 {
		p.Y.Min = math.Max(p.Y.Min, 0)
	}
}

// integerTicks marks whole numbers only, about ten of them, with a step of
// 1, 2 or 5 times a power of ten.
type integerTicks struct{}

// Ticks implements plot.Ticker.
func (integerTicks) Ticks(lo, hi float64) []plot.Tick {
	step := 1
	for _, mult := range []int{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000} {
		step = mult
		if (hi-lo)/float64(step) <= 10 {
			break
		}
	}
	minor := max(1, step/5)
	var ticks []plot.Tick
	for v := int(math.Ceil(lo)); float64(v) <= hi; v++ {
		switch {
		case v%step == 0:
			ticks = append(ticks, plot.Tick{Value: float64(v), Label: strconv.Itoa(v)})
		case v%minor == 0:
			ticks = append(ticks, plot.Tick{Value: float64(v)}) // unlabelled: a minor tick
		}
	}
	return ticks
}

// niceTicks labels about six values at a step of 1, 2, 2.5 or 5 times a
// power of ten; gonum's default labels only two or three on a short axis.
type niceTicks struct{}

// Ticks implements plot.Ticker.
func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'g', 4, 64)}}
	}
	raw := (hi - lo) / 6
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * pow
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*pow >= raw {
			step = m * pow
			break
		}
	}
	decimals := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	if math.Abs(step/math.Pow(10, -float64(decimals))-math.Round(step/math.Pow(10, -float64(decimals)))) > 1e-9 {
		decimals++ // 2.5 x 10^k needs one more digit
	}
	var ticks []plot.Tick
	for i := math.Ceil(lo/step - 1e-9); i*step <= hi+1e-9*step; i++ {
		v := i * step
		if math.Abs(v) < 1e-12*step {
			v = 0 // not -0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', decimals, 64)})
	}
	return ticks
}

// newPlot is plot.New with a sans-serif font in readable sizes for an
// 800x600 image, and a title.
func newPlot(title string) *plot.Plot {
	p := plot.New()
	sans := func(size vg.Length) font.Font {
		f := font.From(plot.DefaultFont, size)
		f.Variant = "Sans"
		return f
	}
	p.Title.Text = title
	p.Title.Padding = vg.Points(10)
	p.Title.TextStyle.Font = sans(14)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(12)
		a.Tick.Label.Font = sans(10.5)
	}
	p.Legend.TextStyle.Font = sans(11)
	return p
}

// gridLines is a light dashed grid that stays behind the curves.
func gridLines() *plotter.Grid {
	g := plotter.NewGrid()
	for _, s := range []*draw.LineStyle{&g.Vertical, &g.Horizontal} {
		s.Color = color.Gray{Y: 0xd8}
		s.Width = vg.Points(0.6)
		s.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
	}
	return g
}

// savePNG renders p at 800x600 and writes it to path atomically. The plot is
// drawn inside a small margin: gonum draws right up to the image edge, where
// a legend or a slanted label would touch or lose its last letters.
func savePNG(path string, p *plot.Plot) error {
	return writeAtomic(path, func(w io.Writer) error {
		img := vgimg.New(plotWidth, plotHeight)
		dc := draw.New(img)
		m := vg.Points(10)
		p.Draw(draw.Crop(dc, m, -2*m, m/2, -m))
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
}

// PlotConfusion draws a confusion matrix (cm[true][predicted]) as a heat map
// to a PNG at path, atomically: rows are true classes top to bottom, columns
// predicted classes left to right, each cell shows its count, and its shade
// grows with the count's share of the row (the true class), so the diagonal
// reads as per-class recall whatever the class sizes. classes names the labels; the
// index is used where a name is missing. It panics when cm is not square.
func PlotConfusion(path string, cm [][]int, classes []string, title string) error {
	k := len(cm)
	for i, row := range cm {
		if len(row) != k {
			panic(fmt.Sprintf("report: PlotConfusion: row %d has %d columns, want %d", i, len(row), k))
		}
	}
	if k == 0 {
		return fmt.Errorf("report: plot %s: empty confusion matrix", path)
	}
	p := newPlot(title)
	p.X.Label.Text = "predicted class"
	p.Y.Label.Text = "true class"
	p.Add(&confusionCells{cm: cm})

	var xt, yt []plot.Tick
	for i := range k {
		name := className(classes, i)
		xt = append(xt, plot.Tick{Value: float64(i), Label: name})
		yt = append(yt, plot.Tick{Value: float64(k - 1 - i), Label: name})
	}
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Min, a.Max = -0.5, float64(k)-0.5
		a.Padding = 0
		a.Width = 0
		a.Tick.Length = 0
		a.Tick.Width = 0
	}
	p.X.Tick.Marker = plot.ConstantTicks(xt)
	p.Y.Tick.Marker = plot.ConstantTicks(yt)
	// Names such as "T-shirt/top" are wider than a column of ten: then slant
	// them all, each ending at its tick. The column width is estimated from
	// the image width less the row names.
	var widest, rowNames vg.Length
	for _, tk := range xt {
		widest = max(widest, p.X.Tick.Label.Width(tk.Label))
		rowNames = max(rowNames, p.Y.Tick.Label.Width(tk.Label))
	}
	if column := (plotWidth - rowNames - vg.Points(60)) / vg.Length(k); widest > 0.9*column {
		p.X.Tick.Label.Rotation = math.Pi / 6
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YTop
		p.X.Label.Padding = vg.Points(4)
	}
	return savePNG(path, p)
}

// confusionCells draws the cells of a confusion matrix on the unit grid: cell
// (row, col) is centred on x = col, y = k-1-row, so row 0 is at the top.
type confusionCells struct{ cm [][]int }

var _ plot.Plotter = (*confusionCells)(nil)

// Light to dark blue, as in most published confusion matrices.
var (
	cellLow  = color.RGBA{R: 0xf7, G: 0xfb, B: 0xff, A: 0xff}
	cellHigh = color.RGBA{R: 0x08, G: 0x30, B: 0x6b, A: 0xff}
)

// Plot implements plot.Plotter.
func (cc *confusionCells) Plot(c draw.Canvas, p *plot.Plot) {
	k := len(cc.cm)
	trX, trY := p.Transforms(&c)
	cellH := trY(1) - trY(0)
	cellW := trX(1) - trX(0)
	sty := p.X.Tick.Label // the plot's font
	sty.Rotation = 0
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	sty.Font.Size = vg.Length(math.Min(12, 0.38*float64(min(cellH, cellW*0.6))))
	for r, row := range cc.cm {
		total := 0
		for _, v := range row {
			total += v
		}
		y := float64(k - 1 - r)
		for col, v := range row {
			share := 0.0
			if total > 0 {
				share = float64(v) / float64(total)
			}
			// The square root lifts the small shares, so a 5% confusion is
			// visible next to a 95% diagonal.
			shade := math.Sqrt(share)
			x := float64(col)
			c.FillPolygon(mixColor(cellLow, cellHigh, shade), []vg.Point{
				{X: trX(x - 0.5), Y: trY(y - 0.5)}, {X: trX(x + 0.5), Y: trY(y - 0.5)},
				{X: trX(x + 0.5), Y: trY(y + 0.5)}, {X: trX(x - 0.5), Y: trY(y + 0.5)},
			})
			switch {
			case shade > 0.6:
				sty.Color = color.White
			case v == 0:
				sty.Color = color.Gray{Y: 0xa0} // zeros recede
			default:
				sty.Color = color.Black
			}
			c.FillText(sty, vg.Point{X: trX(x), Y: trY(y)}, strconv.Itoa(v))
		}
	}
}

// DataRange implements plot.DataRanger.
func (cc *confusionCells) DataRange() (xmin, xmax, ymin, ymax float64) {
	k := float64(len(cc.cm))
	return -0.5, k - 0.5, -0.5, k - 0.5
}

// mixColor is lo + t*(hi-lo), channel by channel, t in [0, 1].
func mixColor(lo, hi color.RGBA, t float64) color.RGBA {
	mix := func(a, b uint8) uint8 { return uint8(math.Round(float64(a) + t*(float64(b)-float64(a)))) }
	return color.RGBA{R: mix(lo.R, hi.R), G: mix(lo.G, hi.G), B: mix(lo.B, hi.B), A: 0xff}
}
