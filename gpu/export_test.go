package gpu

// SetCacheIdentity makes the device's program cache believe it runs on
// another renderer or driver, as after a driver upgrade.
func SetCacheIdentity(d *Device, renderer, driver string) {
	d.Call(func() {
		c := d.binaryCache()
		c.renderer, c.driver = renderer, driver
	})
}

// CaptureCacheWarnings sends the cache's warnings to f instead of stderr.
func CaptureCacheWarnings(d *Device, f func(string)) {
	d.Call(func() { d.binaryCache().warn = f })
}
