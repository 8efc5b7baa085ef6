package bench

import (
	"embed"
	"fmt"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/shaders"
)

//go:embed probes/*.comp
var probeFS embed.FS

// Peaks is the device's roofline as measured by the probe shaders.
type Peaks struct {
	FMAGFLOPs      float64 `json:"fma_gflops"`       // fp32, fma.comp
	PlainFMAGFLOPs float64 `json:"plain_fma_gflops"` // fma_plain.comp, the cross-check
	PlainRatio     float64 `json:"plain_ratio"`      // FMAGFLOPs / PlainFMAGFLOPs
	ReadGBs        float64 `json:"read_gbs"`
	WriteGBs       float64 `json:"write_gbs"`
	CopyGBs        float64 `json:"copy_gbs"` // bytes read + bytes written
	StreamMiB      int     `json:"stream_mib"`
	Clock          string  `json:"clock"`
}

// BandwidthGBs is the bandwidth peak kernels are judged by: the best of the
// three probes, so that no kernel looks better than the device allows.
func (p Peaks) BandwidthGBs() float64 { return max(p.ReadGBs, p.WriteGBs, p.CopyGBs) }

// Bound returns the roofline ceiling (GFLOP/s) for arithmetic intensity ai
// (FLOPs per byte) and whether the kernel is compute bound there.
func (p Peaks) Bound(ai float64) (gflops float64, compute bool) {
	mem := ai * p.BandwidthGBs()
	if mem >= p.FMAGFLOPs {
		return p.FMAGFLOPs, true
	}
	return mem, false
}

// probe compiles one of the embedded probe kernels.
func probe(d *gpu.Device, name string, defines ...gpu.Define) (*gpu.Program, error) {
	src, err := shaders.AssembleFS(probeFS, "probes/"+name, defines)
	if err != nil {
		return nil, err
	}
	p, err := d.CompileSource(src)
	if err != nil {
		return nil, fmt.Errorf("bench: probe %s: %w", name, err)
	}
	return p, nil
}

// peakSizes is how much work each probe does per timed dispatch.
type peakSizes struct {
	fmaThreads, fmaIters int
	streamMiB            int
}

// sizesFor: about 1 (quick: 0.25) GFLOP per FMA dispatch, and streams far
// past the last-level cache.
func sizesFor(quick bool) peakSizes {
	if quick {
		return peakSizes{fmaThreads: 1 << 14, fmaIters: 32, streamMiB: 32}
	}
	return peakSizes{fmaThreads: 1 << 15, fmaIters: 64, streamMiB: 64}
}

// MeasurePeaks runs the probes: FMA throughput (the probe and the plain
// cross-check, interleaved so that both see the same machine load) and
// read, write and copy bandwidth over buffers far larger than any cache.
// Each figure is the best of several timed dispatches.
func MeasurePeaks(d *gpu.Device, quick bool) (Peaks, error) {
	sz := sizesFor(quick)
	rounds := 15 // interleaved, best of each: robust to a machine shared with others
	if quick {
		rounds = 5
	}
	var pk Peaks
	pk.StreamMiB = sz.streamMiB
	if err := measureFMA(d, sz, rounds, &pk); err != nil {
		return pk, err
	}
	return pk, measureStreams(d, sz, rounds, &pk)
}

// fmaChains and fmaUnroll shape fma.comp: two vec4 chains (8 SIMD registers
// on llvmpipe, enough to hide the FMA latency without spilling), 32 rounds
// per loop trip. Tried on llvmpipe: 8 chains spill and run at a third.
const fmaChains, fmaUnroll = 2, 32

func measureFMA(d *gpu.Device, sz peakSizes, rounds int, pk *Peaks) error {
	fma, err := probe(d, "fma.comp", gpu.D("WG", 64), gpu.D("CHAINS", fmaChains), gpu.D("UNROLL", fmaUnroll))
	if err != nil {
		return err
	}
	plain, err := probe(d, "fma_plain.comp")
	if err != nil {
		return err
	}
	y, err := gpu.NewBuffer[float32](d, sz.fmaThreads)
	if err != nil {
		return err
	}
	defer y.Release()
	// Both do flops FLOPs per dispatch: the probe 8*CHAINS*UNROLL per trip,
	// the plain loop 512 (256 FMAs).
	flops := int64(sz.fmaThreads) * int64(sz.fmaIters) * 8 * fmaChains * fmaUnroll
	run := func(p *gpu.Program, iters int) func() {
		return func() {
			d.Dispatch(p, gpu.Grid1(sz.fmaThreads), gpu.Bindings{0: y},
				gpu.U("n", sz.fmaThreads), gpu.U("iters", iters), gpu.U("b", 0.999), gpu.U("c", 1e-3))
		}
	}
	probeRun, plainRun := run(fma, sz.fmaIters), run(plain, sz.fmaIters*8*fmaChains*fmaUnroll/512)
	one := budget{Warmup: 0, Runs: 1}
	d.Time(probeRun) // warm-up: JIT
	d.Time(plainRun)
	var best, bestPlain Timing
	for r := range rounds {
		a, b := measure(d, one, probeRun), measure(d, one, plainRun)
		if r == 0 || a.Min < best.Min {
			best = a
		}
		if r == 0 || b.Min < bestPlain.Min {
			bestPlain = b
		}
	}
	pk.Clock = string(best.Clock)
	pk.FMAGFLOPs = rate(flops, best.Min)
	pk.PlainFMAGFLOPs = rate(flops, bestPlain.Min)
	if pk.PlainFMAGFLOPs > 0 {
		pk.PlainRatio = pk.FMAGFLOPs / pk.PlainFMAGFLOPs
	}
	return nil
}

func measureStreams(d *gpu.Device, sz peakSizes, rounds int, pk *Peaks) error {
	floats := sz.streamMiB << 20 / 4
	threads := floats / 16 // each invocation moves 4 vec4s
	var bufs []*gpu.Buffer[float32]
	defer func() {
		for _, b := range bufs {
			b.Release()
		}
	}()
	for _, n := range []int{floats, floats, threads} {
		b, err := gpu.NewBuffer[float32](d, n)
		if err != nil {
			return err
		}
		bufs = append(bufs, b)
	}
	src, dst, sums := bufs[0], bufs[1], bufs[2]
	src.Fill(1)
	b := budget{Warmup: 1, Runs: rounds, MaxTime: 3e9}
	for mode, out := range []*float64{&pk.ReadGBs, &pk.WriteGBs, &pk.CopyGBs} {
		p, err := probe(d, "stream.comp", gpu.D("MODE", mode))
		if err != nil {
			return err
		}
		t := measure(d, b, func() {
			d.Dispatch(p, gpu.Grid1(threads), gpu.Bindings{0: src, 1: dst, 2: sums}, gpu.U("threads", threads))
		})
		bytes := int64(floats) * 4
		if mode == 2 {
			bytes *= 2
		}
		*out = rate(bytes, t.Min)
	}
	return nil
}
