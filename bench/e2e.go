package bench

import (
	"fmt"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/trainer"
)

// fullEpoch is the training split of the tutorial (60,000 less 10% held out).
const fullEpoch = 54000

// tutorialChunk is the batch the benchmark uses for the full-batch tutorial:
// the largest chunk the trainer processes at once (trainer.chunkRows caps
// rows at 8192). A full-batch step is ceil(54000/8192) such chunks plus
// one optimizer step, so its img/s is this one's to within the optimizer's
// (tiny) share.
const tutorialChunk = 8192

// E2ERow is the end-to-end throughput of one preset.
type E2ERow struct {
	Preset string `json:"preset"`
	Batch  int    `json:"batch"`  // rows per optimizer step
	Chunk  int    `json:"chunk"`  // rows per forward/backward pass
	Images int    `json:"images"` // size of the uploaded slice of the training set
	Steps  int    `json:"steps"`  // timed optimizer steps

	TrainImgS float64 `json:"train_img_s"`
	InferImgS float64 `json:"infer_img_s"`
	StepMs    float64 `json:"step_ms"`
	Clock     string  `json:"clock"`

	DispatchesPerStep float64 `json:"dispatches_per_step"`
	// Host↔GPU traffic of one epoch over the slice (permutation upload,
	// the end-of-epoch loss/accuracy readback) and that scaled to a
	// 54,000-image epoch; DatasetBytes is the one-time upload.
	EpochUploadBytes   int64 `json:"epoch_upload_bytes"`
	EpochDownloadBytes int64 `json:"epoch_download_bytes"`
	FullEpochBytes     int64 `json:"full_epoch_bytes"`
	DatasetBytes       int64 `json:"dataset_bytes"`
	PeakGPUBytes       int64 `json:"peak_gpu_bytes"`

	// Config is the preset's, which scripts/torch_baseline.py re-creates.
	Config trainer.Config `json:"config"`

	TorchImgS      float64 `json:"torch_train_img_s,omitempty"` // from --torch
	TorchInferImgS float64 `json:"torch_infer_img_s,omitempty"`
	TorchRatio     float64 `json:"torch_ratio,omitempty"` // glcnn / PyTorch, training
}

// quickChunk stands in for tutorialChunk in --quick runs (a 8192-row step
// takes ~10 s on llvmpipe; the quick run has a minute for everything).
const quickChunk = 2048

// benchBatch is the batch a preset is benchmarked at (and PyTorch with it).
func benchBatch(cfg trainer.Config, quick bool) int {
	switch {
	case cfg.Batch == 0 && quick:
		return quickChunk
	case cfg.Batch == 0:
		return tutorialChunk
	}
	return cfg.Batch
}

// benchEndToEnd trains preset for steps optimizer steps (after one warm-up
// step) on the first batch*steps images of train, then evaluates them.
func benchEndToEnd(d *gpu.Device, train *data.Set, preset string, steps int, quick bool) (E2ERow, error) {
	p, ok := trainer.Presets[preset]
	if !ok {
		return E2ERow{}, fmt.Errorf("bench: no preset %q", preset)
	}
	cfg := p.Config
	row := E2ERow{Preset: preset, Batch: benchBatch(cfg, quick), Steps: steps, Config: cfg}
	row.Images = min(train.N, row.Batch*steps)
	slice := train.Limit(row.Images)

	d.ResetTransfers()
	before := d.Stats()
	r, err := data.Upload(d, slice)
	if err != nil {
		return row, err
	}
	defer r.Release()
	row.DatasetBytes = d.Stats().UploadBytes
	s, err := trainer.NewSession(d, cfg, []int{1, slice.H, slice.W}, row.Batch)
	if err != nil {
		return row, err
	}
	defer s.Release()
	row.Chunk = s.Chunk
	s.Model.Init(cfg.Seed)

	perStep := min(row.Batch, row.Images)
	steps = max(1, row.Images/perStep)
	row.Steps = steps
	r.Shuffle(cfg.Seed, 0)
	s.TrainStep(r, 0, min(perStep, 16), cfg.LR0, 1) // warm-up: the same programs (llvmpipe JITs each on first use)
	s.Loss.ReadSums()
	peak := d.Stats().PeakBytes // ResetTransfers below restarts the peak

	d.ResetTransfers()
	dur, clock := d.Time(func() {
		r.Shuffle(cfg.Seed, 1)
		s.Loss.ResetSums()
		for i := range steps {
			s.TrainStep(r, i*perStep, perStep, cfg.LR0, uint32(i+2))
		}
		s.Loss.ReadSums() // the epoch's one readback
	})
	st := d.Stats()
	row.Clock = string(clock)
	row.StepMs = ms(dur) / float64(steps)
	row.TrainImgS = float64(steps*perStep) / dur.Seconds()
	row.EpochUploadBytes, row.EpochDownloadBytes = st.UploadBytes, st.DownloadBytes
	row.FullEpochBytes = st.UploadBytes*fullEpoch/int64(steps*perStep) + st.DownloadBytes

	// Dispatches of one step alone.
	d.ResetTransfers()
	s.TrainStep(r, 0, perStep, cfg.LR0, 99)
	row.DispatchesPerStep = float64(d.Stats().Dispatches)

	s.Evaluate(r, nil) // warm-up of the eval kernels
	dur, _ = d.Time(func() { s.Evaluate(r, nil) })
	row.InferImgS = float64(r.N) / dur.Seconds()
	row.PeakGPUBytes = max(peak, d.Stats().PeakBytes) - before.LiveBytes
	return row, nil
}
