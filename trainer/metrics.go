package trainer

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
		return nil, fmt.Errorf("trainer: metrics: %w", err)
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReader(f))
	cr.FieldsPerRecord = len(metricsHeader)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("trainer: metrics %s: header: %w", path, err)
	}
	if strings.Join(header, ",") != strings.Join(metricsHeader, ",") {
		return nil, fmt.Errorf("trainer: metrics %s: header is %q, want %q",
			path, strings.Join(header, ","), strings.Join(metricsHeader, ","))
	}
	var rows []EpochMetrics
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("trainer: metrics %s: %w", path, err)
		}
		r, err := parseMetricsRecord(rec)
		if err != nil {
			return nil, fmt.Errorf("trainer: metrics %s line %d: %w", path, line, err)
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
		if rec[i+1] == "" {
			*p = math.NaN()
			continue
		}
		v, err := strconv.ParseFloat(rec[i+1], 64)
		if err != nil {
			return r, fmt.Errorf("%s: %w", metricsHeader[i+1], err)
		}
		*p = v
	}
	return r, nil
}

// formatMetric writes v in the shortest form that parses back to v, and NaN
// as an empty field (spreadsheets and pandas both read that as missing).
func formatMetric(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// writeAtomic writes a file through write and puts it at path only once it is
// complete and on disk: the data goes to a temporary file in the same
// directory (so the rename cannot cross file systems), which is fsynced,
// closed and renamed over path. On any error the temporary file is removed
// and path is left as it was. The new file gets mode 0644.
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("trainer: write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("trainer: write %s: %w", path, err)
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<16)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir fsyncs a directory so a rename into it survives a crash. Failure is
// ignored: some file systems cannot sync directories, and the file itself is
// already complete on disk.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}
