//go:build !gldebug

package gpu

const debugTag = false
