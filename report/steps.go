package report

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// StepMetrics is one row of steps.csv: the running training loss of an
// epoch, read every few optimizer steps (trainer's Config.LogEvery).
type StepMetrics struct {
	Epoch  int     // from 1
	Step   int     // optimizer step within the epoch, from 1
	Images int64   // training images of the run so far, earlier epochs included
	Loss   float64 // mean training loss of the epoch's first Step steps
	LR     float64 // learning rate of the step
}

// stepsHeader is the first line of steps.csv, in column order.
var stepsHeader = []string{"epoch", "step", "images", "loss", "lr"}

// WriteStepsCSV writes rows to path as CSV with the header
// epoch,step,images,loss,lr, floats in their shortest round-tripping form
// (NaN as an empty field), atomically, as WriteMetricsCSV does.
func WriteStepsCSV(path string, rows []StepMetrics) error {
	return writeAtomic(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(stepsHeader); err != nil {
			return err
		}
		for _, r := range rows {
			rec := []string{strconv.Itoa(r.Epoch), strconv.Itoa(r.Step), strconv.FormatInt(r.Images, 10),
				formatMetric(r.Loss), formatMetric(r.LR)}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

// ReadStepsCSV reads a file written by WriteStepsCSV. Empty fields read as
// NaN. A missing file is an error wrapping fs.ErrNotExist; other errors
// name the file and the line.
func ReadStepsCSV(path string) ([]StepMetrics, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("report: steps: %w", err)
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReader(f))
	cr.FieldsPerRecord = len(stepsHeader)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("report: steps %s: header: %w", path, err)
	}
	if got, want := strings.Join(header, ","), strings.Join(stepsHeader, ","); got != want {
		return nil, fmt.Errorf("report: steps %s: header is %q, want %q", path, got, want)
	}
	var rows []StepMetrics
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("report: steps %s: %w", path, err)
		}
		r, err := parseStepsRecord(rec)
		if err != nil {
			return nil, fmt.Errorf("report: steps %s line %d: %w", path, line, err)
		}
		rows = append(rows, r)
	}
}

func parseStepsRecord(rec []string) (StepMetrics, error) {
	var r StepMetrics
	var err error
	if r.Epoch, err = strconv.Atoi(rec[0]); err != nil {
		return r, fmt.Errorf("epoch: %w", err)
	}
	if r.Step, err = strconv.Atoi(rec[1]); err != nil {
		return r, fmt.Errorf("step: %w", err)
	}
	if r.Images, err = strconv.ParseInt(rec[2], 10, 64); err != nil {
		return r, fmt.Errorf("images: %w", err)
	}
	if r.Loss, err = parseMetric(rec[3]); err != nil {
		return r, fmt.Errorf("loss: %w", err)
	}
	if r.LR, err = parseMetric(rec[4]); err != nil {
		return r, fmt.Errorf("lr: %w", err)
	}
	return r, nil
}
