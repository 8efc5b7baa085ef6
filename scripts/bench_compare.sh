#!/bin/sh
# bench_compare.sh — glcnn and PyTorch side by side (`make bench-compare`).
#
# Runs `glcnn bench` (any extra arguments are passed on, e.g. --quick), then
# scripts/torch_baseline.py on the same presets, data, batches and steps
# (read from glcnn's JSON report), then prints glcnn's tables again with the
# PyTorch column and the glcnn/PyTorch ratio. With --docs first, it also
# regenerates docs/benchmarks.md from that run.
#
# Outputs in $BENCH_OUT (default $TMPDIR/glcnn-bench): glcnn.json, torch.json,
# report.txt, benchmarks.md.
set -eu
cd "$(dirname "$0")/.."
docs=no
if [ "${1:-}" = "--docs" ]; then
	docs=yes
	shift
fi
out=${BENCH_OUT:-${TMPDIR:-/tmp}/glcnn-bench}
bin=${GLCNN:-./glcnn}
py=${PYTHON:-/usr/bin/python3}
mkdir -p "$out"
[ -x "$bin" ] || go build -o "$bin" ./cmd/glcnn

echo "== glcnn bench $*" >&2
"$bin" bench "$@" --json "$out/glcnn.json" >/dev/null
echo "== PyTorch baseline" >&2
"$py" scripts/torch_baseline.py --glcnn "$bin" --report "$out/glcnn.json" --json "$out/torch.json"
echo >&2
"$bin" bench --report "$out/glcnn.json" --torch "$out/torch.json" --markdown "$out/benchmarks.md" | tee "$out/report.txt"
if [ "$docs" = yes ]; then
	cp "$out/benchmarks.md" docs/benchmarks.md
	echo "wrote docs/benchmarks.md" >&2
fi
