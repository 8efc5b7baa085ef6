//go:build gldebug

package gpu

// debugTag turns debug mode on for every device: `go test -tags gldebug`.
const debugTag = true
