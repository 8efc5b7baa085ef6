package check

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// IssueTracker is where a refused device should be reported.
const IssueTracker = "https://github.com/glcnn/glcnn/issues"

// Err returns nil when the network can run on the device, else the
// refusal: which kernels fail in every variant, their worst element, and
// what to report where, with the Result as JSON attached.
func (r *Result) Err() error { return r.Refusal("the self-check's Result as JSON") }

// Refusal is Err with attach saying what full report to attach to the bug
// report: a command-line tool names its command that writes the JSON.
func (r *Result) Refusal(attach string) error {
	if r.Passed() {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "the device self-check failed on %s, OpenGL %s, driver build %s:", r.Device.Renderer, r.Device.Version, shortID(r.Device.DriverID))
	for _, u := range r.Unusable {
		what := fmt.Sprintf("layer %d %s", u.Layer, u.Op)
		if u.Layer < 0 {
			what = u.Op
		}
		if len(u.Failed) > 1 {
			fmt.Fprintf(&b, "\n  %s: no kernel variant gives correct results:", what)
		} else {
			fmt.Fprintf(&b, "\n  %s: wrong results:", what)
		}
		for _, f := range u.Failed {
			fmt.Fprintf(&b, "\n    %s: %s", f.What(), f.Problem())
		}
	}
	fmt.Fprintf(&b, "\nTraining or predicting with these kernels would silently give wrong answers, so glcnn stops here."+
		"\nPlease report it at %s with the renderer, the driver version and the failing kernel above,"+
		" and attach %s.", IssueTracker, attach)
	return errors.New(b.String())
}

// Notes are one line per fallback: the layer, the variant that failed and
// how, and the variant used instead.
func (r *Result) Notes() []string {
	var out []string
	for _, f := range r.Fallbacks {
		out = append(out, fmt.Sprintf("self-check: layer %d %s: the %s kernels give wrong results on %s: %s: %s; using the %s variant, which passes",
			f.Layer, f.Op, f.From, r.Device.Renderer, f.Failed.What(), f.Failed.Problem(), f.To))
	}
	return out
}

// Summary is one line: how many outputs were checked, in how long, and
// the verdict.
func (r *Result) Summary() string {
	pass, bad := 0, 0
	for _, row := range r.Rows {
		switch {
		case row.Status == "pass":
			pass++
		case row.Bad():
			bad++
		}
	}
	verdict := "all pass"
	switch {
	case !r.Passed():
		verdict = fmt.Sprintf("%d wrong; the device is refused", bad)
	case bad > 0:
		verdict = fmt.Sprintf("%d wrong, replaced by variants that pass", bad)
	}
	return fmt.Sprintf("self-check: %d kernel outputs compared with the float64 reference in %.1f s on %s: %s", pass+bad, r.Seconds, r.Device.Renderer, verdict)
}

// WriteText prints the table: one line per layer and variant (the JSON has
// every output at every batch), then the fallbacks and the verdict.
func (r *Result) WriteText(w io.Writer) error {
	mode := "eval and predict"
	if r.Train {
		mode = "training with " + r.Optimizer
	}
	fmt.Fprintf(w, "renderer: %s\nOpenGL:   %s\ndriver:   %s\nnetwork:  %s on %s, %s, batches %v\n\n",
		r.Device.Renderer, r.Device.Version, shortID(r.Device.DriverID), r.Arch, shape(r.Input), mode, r.Batches)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tlayer\tvariant\tinput\toutputs\tworst kernel\terr/tol\tmax err\ttime\tresult")
	for _, g := range groups(r.Rows) {
		idx := fmt.Sprint(g.rows[0].Layer)
		if g.rows[0].Layer < 0 {
			idx = ""
		}
		pass, n, ms := 0, 0, 0.0
		var worstRow *Row
		for i := range g.rows {
			row := &g.rows[i]
			ms += row.Ms
			if row.Status == "skipped" {
				continue
			}
			n++
			if row.Status == "pass" {
				pass++
			}
			if worstRow == nil || row.Status == "error" || worstRow.Status != "error" && row.Diff.Ratio > worstRow.Diff.Ratio {
				worstRow = row
			}
		}
		result, kernel, ratio, maxErr := "pass", "", "", ""
		if worstRow != nil {
			kernel = strings.Join(worstRow.Kernels, "+")
			ratio, maxErr = fmt.Sprintf("%.3f", float64(worstRow.Diff.Ratio)), fmt.Sprintf("%.2g", float64(worstRow.Diff.MaxErr))
			if worstRow.Status == "error" {
				ratio, maxErr = "-", "-"
			}
		}
		if pass < n {
			result = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d/%d\t%s\t%s\t%s\t%.0f ms\t%s\n", idx, g.rows[0].Op, g.rows[0].Variant,
			shape(g.rows[0].Input), pass, n, kernel, ratio, maxErr, ms, result)
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, u := range r.Unusable {
		for _, f := range u.Failed {
			fmt.Fprintf(w, "FAIL %s %s: %s\n", f.Op, f.What(), f.Problem())
		}
	}
	for _, n := range r.Notes() {
		fmt.Fprintln(w, n)
	}
	_, err := fmt.Fprintln(w, r.Summary())
	return err
}

// group is the rows of one layer and variant.
type group struct{ rows []Row }

func groups(rows []Row) []group {
	var gs []group
	index := map[string]int{}
	for _, r := range rows {
		k := fmt.Sprintf("%d/%s/%s", r.Layer, r.Op, r.Variant)
		i, ok := index[k]
		if !ok {
			i = len(gs)
			index[k] = i
			gs = append(gs, group{})
		}
		gs[i].rows = append(gs[i].rows, r)
	}
	return gs
}

func shape(s []int) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, "x")
}

// shortID is a DriverID as `glcnn info` shows it, a short hash (the full
// string is in the JSON).
func shortID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:6])
}
