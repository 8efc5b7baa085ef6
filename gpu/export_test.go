package gpu

import (
	"os"
	"sync/atomic"
)

// SetCacheIdentity makes the device's program cache believe it runs on
// another renderer or driver, as after a driver upgrade.
func SetCacheIdentity(d *Device, renderer, driver string) {
	d.Call(func() {
		c := d.binaryCache()
		c.renderer, c.driver = renderer, driver
	})
}

// CaptureCacheOutput sends every line the device's program cache would
// print on stderr (warnings, the rebuild note) to f.
func CaptureCacheOutput(d *Device, f func(line string)) {
	d.Call(func() { d.binaryCache().print = f })
}

// OwnRebuildNote gives the device a rebuild note of its own, not yet
// printed, as if it were the only device of a fresh process.
func OwnRebuildNote(d *Device) {
	n := new(atomic.Bool)
	ownNotes.Store(d, n)
	d.Call(func() { d.binaryCache().noted = n })
}

// RewriteCachedBinary replaces the driver's binary in the cache entry at
// path by f's result, with a valid checksum: an entry the cache accepts and
// the driver has to judge.
func RewriteCachedBinary(d *Device, path string, f func(bin []byte) []byte) error {
	var err error
	d.Call(func() {
		c := d.binaryCache()
		var raw []byte
		if raw, err = os.ReadFile(path); err != nil {
			return
		}
		format, bin, derr := c.decode(raw)
		if err = derr; err != nil {
			return
		}
		err = os.WriteFile(path, c.encode(format, f(bin)), 0o644)
	})
	return err
}

// DriverIdentity is driverIdentity: the DriverID and library list of a
// driver, with the libraries read from maps (a /proc/self/maps file).
func DriverIdentity(renderer, version, maps string) (id string, libs []string) {
	return driverIdentity(renderer, version, maps)
}

// SetDriverMaps recomputes the device's DriverID with the libraries listed
// in maps instead of the process's own, as a process would find them after
// a driver update on disk; "" restores the real identity. Programs and
// caches already made keep the identity they were made with.
func SetDriverMaps(d *Device, maps string) {
	if maps == "" {
		maps = procSelfMaps
	}
	d.Call(func() {
		d.info.DriverID, d.info.DriverLibs = driverIdentity(d.info.Renderer, d.info.Version, maps)
	})
}

// WarmHelpers is how many JIT-ahead helpers the device runs (warm.go).
func WarmHelpers(d *Device) int {
	n := 0
	d.Call(func() {
		if d.warm != nil {
			n = 1
		}
	})
	return n
}
