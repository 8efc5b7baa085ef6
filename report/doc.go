// Package report writes what a training run leaves for people and
// spreadsheets to read: the per-epoch metrics ([EpochMetrics], metrics.csv
// through [WriteMetricsCSV] and back through [ReadMetricsCSV]), the
// running loss every few steps ([StepMetrics], steps.csv through
// [WriteStepsCSV] and [ReadStepsCSV]), the loss, accuracy and
// confusion-matrix plots ([PlotLoss], [PlotAccuracy], [PlotConfusion]) and
// the classification report ([Confusion], [ClassReport], and [Text],
// report.txt, with scikit-learn's precision, recall and F1).
//
// It needs no device: package trainer measures, this package formats.
// Every file is written atomically (a reader sees the old file or the new
// one), and floats are written in their shortest round-tripping form, so
// identical runs give byte-identical CSV files.
package report
