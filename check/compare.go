package check

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Tolerance of the check, |got-want| <= max(R*|got+want|, A): looser than
// the layers' unit tests (1e-4, 1e-5) because the shapes are real ones,
// whose parameter-gradient sums run over up to ~10^5 fp32 terms of random
// sign. A sum near zero of M such terms carries an absolute error growing
// like sqrt(M), so for parameter gradients A is scaled by sqrt(M/1e4) past
// 10^4 terms (seen: 1.25e-4 at M = 131,000). A wrong kernel misses by far
// more: an index off by one or a lost workgroup gives errors of order 1.
const tolR, tolA = 1e-3, 1e-4

// gradTolA is the absolute tolerance of a parameter gradient that sums
// terms values.
func gradTolA(terms int) float64 { return tolA * max(1, math.Sqrt(float64(terms)/1e4)) }

// Diff is how far a kernel's output is from the reference.
type Diff struct {
	Values int     `json:"values"`       // elements compared
	Bad    int     `json:"bad"`          // elements outside the tolerance
	MaxErr Float   `json:"max_err"`      // the largest |got-want|
	Ratio  Float   `json:"err_over_tol"` // the largest |got-want| / tolerance: pass when <= 1
	Worst  Element `json:"worst"`        // the element with that ratio
	R      float64 `json:"tol_r"`
	A      float64 `json:"tol_a"`
}

// Element is one value of an output.
type Element struct {
	Index int   `json:"index"` // in the flat NCHW output
	Got   Float `json:"got"`
	Want  Float `json:"want"`
}

// OK reports whether every element is within the tolerance.
func (d Diff) OK() bool { return d.Bad == 0 }

func (d Diff) String() string {
	if d.OK() {
		return fmt.Sprintf("max error %.3g (%.2f of the tolerance)", float64(d.MaxErr), float64(d.Ratio))
	}
	return fmt.Sprintf("%d of %d values wrong; worst [%d] got %.9g want %.9g", d.Bad, d.Values, d.Worst.Index, float64(d.Worst.Got), float64(d.Worst.Want))
}

// compare measures got against want under the balanced tolerance
// |got-want| <= max(r*|got+want|, a). A NaN or an infinity in got is an
// error of infinite ratio. It panics when the lengths differ.
func compare(got []float32, want []float64, r, a float64) Diff {
	if len(got) != len(want) {
		panic(fmt.Sprintf("check: compare %d values with %d", len(got), len(want)))
	}
	d := Diff{Values: len(got), R: r, A: a, Worst: Element{Index: -1}}
	for i := range got {
		g, w := float64(got[i]), want[i]
		diff := math.Abs(g - w)
		ratio := diff / math.Max(r*math.Abs(g+w), a)
		if math.IsNaN(ratio) || math.IsInf(g, 0) {
			ratio, diff = math.Inf(1), math.Inf(1)
		}
		if ratio > 1 {
			d.Bad++
		}
		if diff > float64(d.MaxErr) {
			d.MaxErr = Float(diff)
		}
		if d.Worst.Index < 0 || ratio > float64(d.Ratio) {
			d.Ratio, d.Worst = Float(ratio), Element{Index: i, Got: Float(g), Want: Float(w)}
		}
	}
	return d
}

// Float is a float64 whose JSON form is a number, or the string "NaN",
// "+Inf" or "-Inf" (which JSON numbers cannot express, and which a broken
// kernel produces).
type Float float64

// MarshalJSON writes f as a number or, when not finite, a string.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return json.Marshal(strconv.FormatFloat(v, 'g', -1, 64))
	}
	return json.Marshal(v)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (f *Float) UnmarshalJSON(b []byte) error {
	var v float64
	if err := json.Unmarshal(b, &v); err == nil {
		*f = Float(v)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := strconv.ParseFloat(s, 64)
	*f = Float(v)
	return err
}
