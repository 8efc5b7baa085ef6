package gpu

// SetParamAlign makes the parameter ring align its slots to a bytes, as on
// a driver whose GL_UNIFORM_BUFFER_OFFSET_ALIGNMENT is a (a multiple of
// the real one).
func SetParamAlign(d *Device, a int) {
	d.Call(func() {
		if d.params.id == 0 {
			d.params.bind(d, &Program{values: make([]byte, 16)})
		}
		d.params.align = a
	})
}

// LastParamOffset is the ring offset the latest dispatch's parameters were
// bound at.
func LastParamOffset(d *Device) int {
	var off int
	d.Call(func() { off = d.params.last })
	return off
}

// SetMaxInvocations makes the device report another
// GL_MAX_COMPUTE_WORK_GROUP_INVOCATIONS, as a smaller GPU would (use it on
// a gputest.Private device).
func SetMaxInvocations(d *Device, n int) {
	d.Call(func() { d.info.MaxInvocations = n })
}

// ParamWrites is the number of parameter blocks uploaded so far.
func ParamWrites(d *Device) int {
	var n int
	d.Call(func() { n = d.params.writes })
	return n
}

// SkewParamRing moves the ring's next free position on by n bytes.
func SkewParamRing(d *Device, n int) { d.Call(func() { d.params.next += int64(n) }) }
