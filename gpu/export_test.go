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

// DriverIdentity is driverIdentity: the DriverID and library list of a
// driver, with the libraries read from maps (a /proc/self/maps file).
func DriverIdentity(renderer, version, maps string) (id string, libs []string) {
	return driverIdentity(renderer, version, maps)
}
