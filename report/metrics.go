package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/glcnn/glcnn/internal/fsutil"
)

// EpochMetrics is one row of metrics.csv: what one epoch of training measured.
// ValLoss and ValAcc are NaN when the run has no validation split. Accuracies
// are fractions in [0, 1]; LR is the learning rate at the end of the epoch;
// Seconds is the wall time of the epoch and ImgPerSec its training throughput.
type EpochMetrics struct {
	Epoch     int
	TrainLoss float64
	ValLoss   float64
	TrainAcc  float64
	ValAcc    float64
	LR        float64
	Seconds   float64
	ImgPerSec float64
}

// metricsHeader is the first line of metrics.csv, in column order.
var metricsHeader = []string{"epoch", "train_loss", "val_loss", "train_acc", "val_acc", "lr", "seconds", "img_per_s"}

// WriteMetricsCSV writes rows to path as CSV with the header
// epoch,train_loss,val_loss,train_acc,val_acc,lr,seconds,img_per_s.
// Floats are written with strconv's shortest round-tripping form ('g', -1),
// so identical runs give byte-identical files and ReadMetricsCSV gives back
// exactly the values written; NaN is written as an empty field. The file is
// replaced atomically: a reader sees the old file or the new one, never a mix.
func WriteMetricsCSV(path string, rows []EpochMetrics) error {
	return writeAtomic(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(metricsHeader); err != nil {
			return err
		}
		for _, r := range rows {
			rec := []string{
				strconv.Itoa(r.Epoch),
				formatMetric(r.TrainLoss), formatMetric(r.ValLoss),
				formatMetric(r.TrainAcc), formatMetric(r.ValAcc),
				formatMetric(r.LR), formatMetric(r.Seconds), formatMetric(r.ImgPerSec),
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

// ReadMetricsCSV reads a file written by WriteMetricsCSV. Empty fields read as
// NaN. Errors name the file and the line.
func ReadMetricsCSV(path string) ([]EpochMetrics, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("report: metrics: %w", err)
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReader(f))
	cr.FieldsPerRecord = len(metricsHeader)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("report: metrics %s: header: %w", path, err)
	}
	if strings.Join(header, ",") != strings.Join(metricsHeader, ",") {
		return nil, fmt.Errorf("report: metrics %s: header is %q, want %q",
			path, strings.Join(header, ","), strings.Join(metricsHeader, ","))
	}
	var rows []EpochMetrics
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("report: metrics %s: %w", path, err)
		}
		r, err := parseMetricsRecord(rec)
		if err != nil {
			return nil, fmt.Errorf("report: metrics %s line %d: %w", path, line, err)
		}
		rows = append(rows, r)
	}
}

func parseMetricsRecord(rec []string) (EpochMetrics, error) {
	var r EpochMetrics
	epoch, err := strconv.Atoi(rec[0])
	if err != nil {
		return r, fmt.Errorf("epoch: %w", err)
	}
	r.Epoch = epoch
	dst := []*float64{&r.TrainLoss, &r.ValLoss, &r.TrainAcc, &r.ValAcc, &r.LR, &r.Seconds, &r.ImgPerSec}
	for i, p := range dst {
		if *p, err = parseMetric(rec[i+1]); err != nil {
			return r, fmt.Errorf("%s: %w", metricsHeader[i+1], err)
		}
	}
	return r, nil
}

// parseMetric reads a field written by formatMetric: "" is NaN.
func parseMetric(field string) (float64, error) {
	if field == "" {
		return math.NaN(), nil
	}
	return strconv.ParseFloat(field, 64)
}

// formatMetric writes v in the shortest form that parses back to v, and NaN
// as an empty field (spreadsheets and pandas both read that as missing).
func formatMetric(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// writeAtomic is fsutil.WriteFileAtomic (temporary file in the same folder,
// fsync, rename; nothing half-written ever visible at path) with the path
// in the error.
func writeAtomic(path string, write func(io.Writer) error) error {
	if err := fsutil.WriteFileAtomic(path, write); err != nil {
		return fmt.Errorf("report: write %s: %w", path, err)
	}
	return nil
}
