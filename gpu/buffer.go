package gpu

import (
	"fmt"
	"unsafe"

	"github.com/glcnn/glcnn/internal/gl"
)

// Elem is the element type of a storage buffer. GLSL has no 8-bit storage
// in core 4.3: kernels read u8 buffers as packed uint words.
type Elem interface{ float32 | uint32 | uint8 }

// Storage is any buffer a kernel can bind.
type Storage interface {
	Bytes() int
	name() uint32
}

// Buffer is a shader storage buffer of n elements of type T. Its methods may
// be called from any goroutine; Release is idempotent.
type Buffer[T Elem] struct {
	dev  *Device
	id   uint32
	n    int
	size int // bytes allocated: n*sizeof(T) rounded up to 4
}

var _ Storage = (*Buffer[float32])(nil)

// NewBuffer allocates a zero-filled buffer of n elements. It returns an
// error when the size exceeds GL_MAX_SHADER_STORAGE_BLOCK_SIZE or the
// driver is out of memory.
func NewBuffer[T Elem](d *Device, n int) (*Buffer[T], error) {
	var zero T
	es := int(unsafe.Sizeof(zero))
	if n < 0 {
		panic(fmt.Sprintf("gpu: NewBuffer of %d elements", n))
	}
	size := (max(n, 1)*es + 3) &^ 3
	if int64(size) > d.info.MaxStorageBlock && d.info.MaxStorageBlock > 0 {
		return nil, fmt.Errorf("gpu: buffer of %d %T (%d MiB) exceeds this device's storage block limit of %d MiB (%s)",
			n, zero, size>>20, d.info.MaxStorageBlock>>20, d.info.Renderer)
	}
	b := &Buffer[T]{dev: d, n: n, size: size}
	var err error
	d.Call(func() {
		gl.GetError() // start clean: we read the error of glBufferData below
		gl.GenBuffers(1, &b.id)
		gl.BindBuffer(gl.SHADER_STORAGE_BUFFER, b.id)
		gl.BufferData(gl.SHADER_STORAGE_BUFFER, size, nil, gl.DYNAMIC_COPY)
		if e := gl.GetError(); e != gl.NO_ERROR {
			gl.DeleteBuffers(1, &b.id)
			err = fmt.Errorf("gpu: allocating %d bytes: %s (%s)", size, glErrorName(e), d.info.Renderer)
			return
		}
		clearBuffer(b.id, 0, size)
		d.stats.LiveBuffers++
		d.stats.LiveBytes += int64(size)
		d.peak = max(d.peak, d.stats.LiveBytes)
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

func clearBuffer(id uint32, off, size int) {
	gl.BindBuffer(gl.SHADER_STORAGE_BUFFER, id)
	gl.ClearBufferSubData(gl.SHADER_STORAGE_BUFFER, gl.R32UI, off, size, gl.RED_INTEGER, gl.UNSIGNED_INT, nil)
}

// Len is the number of elements.
func (b *Buffer[T]) Len() int { return b.n }

// Bytes is the allocated size in bytes (a multiple of 4).
func (b *Buffer[T]) Bytes() int { return b.size }

func (b *Buffer[T]) name() uint32 { return b.id }

func (b *Buffer[T]) elemSize() int {
	var zero T
	return int(unsafe.Sizeof(zero))
}

func (b *Buffer[T]) checkRange(op string, off, n int) {
	if b.id == 0 {
		panic("gpu: " + op + " on a released buffer")
	}
	if off < 0 || n < 0 || off+n > b.n {
		panic(fmt.Sprintf("gpu: %s [%d, %d) out of range of a buffer of %d", op, off, off+n, b.n))
	}
}

// Upload copies src into the buffer at element offset 0.
func (b *Buffer[T]) Upload(src []T) { b.UploadAt(0, src) }

// UploadAt copies src into elements [off, off+len(src)).
func (b *Buffer[T]) UploadAt(off int, src []T) {
	b.checkRange("Upload", off, len(src))
	if len(src) == 0 {
		return
	}
	es := b.elemSize()
	b.dev.Call(func() {
		gl.BindBuffer(gl.SHADER_STORAGE_BUFFER, b.id)
		gl.BufferSubData(gl.SHADER_STORAGE_BUFFER, off*es, len(src)*es, unsafe.Pointer(&src[0]))
		b.dev.check("glBufferSubData")
		b.dev.stats.Uploads++
		b.dev.stats.UploadBytes += int64(len(src) * es)
	})
}

// Download copies the whole buffer into dst, which must hold Len elements.
func (b *Buffer[T]) Download(dst []T) { b.DownloadAt(dst, 0) }

// DownloadAt copies elements [off, off+len(dst)) into dst.
func (b *Buffer[T]) DownloadAt(dst []T, off int) {
	b.checkRange("Download", off, len(dst))
	if len(dst) == 0 {
		return
	}
	es := b.elemSize()
	b.dev.Call(func() {
		gl.BindBuffer(gl.SHADER_STORAGE_BUFFER, b.id)
		gl.GetBufferSubData(gl.SHADER_STORAGE_BUFFER, off*es, len(dst)*es, unsafe.Pointer(&dst[0]))
		b.dev.check("glGetBufferSubData")
		b.dev.stats.Downloads++
		b.dev.stats.DownloadBytes += int64(len(dst) * es)
	})
}

// Read returns a new slice with the buffer's contents.
func (b *Buffer[T]) Read() []T {
	dst := make([]T, b.n)
	b.Download(dst)
	return dst
}

// CopyFrom copies n elements of src starting at srcOff to this buffer at
// dstOff, on the GPU.
func (b *Buffer[T]) CopyFrom(src *Buffer[T], srcOff, dstOff, n int) {
	src.checkRange("CopyFrom source", srcOff, n)
	b.checkRange("CopyFrom", dstOff, n)
	if n == 0 {
		return
	}
	es := b.elemSize()
	b.dev.Call(func() {
		gl.BindBuffer(gl.COPY_READ_BUFFER, src.id)
		gl.BindBuffer(gl.COPY_WRITE_BUFFER, b.id)
		gl.CopyBufferSubData(gl.COPY_READ_BUFFER, gl.COPY_WRITE_BUFFER, srcOff*es, dstOff*es, n*es)
		b.dev.check("glCopyBufferSubData")
		gl.MemoryBarrier(gl.SHADER_STORAGE_BARRIER_BIT | gl.BUFFER_UPDATE_BARRIER_BIT)
	})
}

// Fill sets every element to v, on the GPU.
func (b *Buffer[T]) Fill(v T) { b.FillRange(0, b.n, v) }

// FillRange sets elements [off, off+n) to v, on the GPU.
func (b *Buffer[T]) FillRange(off, n int, v T) {
	b.checkRange("Fill", off, n)
	if n == 0 {
		return
	}
	es := b.elemSize()
	b.dev.Call(func() {
		gl.BindBuffer(gl.SHADER_STORAGE_BUFFER, b.id)
		switch x := any(v).(type) {
		case float32:
			gl.ClearBufferSubData(gl.SHADER_STORAGE_BUFFER, gl.R32F, off*es, n*es, gl.RED, gl.FLOAT, unsafe.Pointer(&x))
		case uint32:
			gl.ClearBufferSubData(gl.SHADER_STORAGE_BUFFER, gl.R32UI, off*es, n*es, gl.RED_INTEGER, gl.UNSIGNED_INT, unsafe.Pointer(&x))
		case uint8:
			gl.ClearBufferSubData(gl.SHADER_STORAGE_BUFFER, gl.R8UI, off, n, gl.RED_INTEGER, gl.UNSIGNED_BYTE, unsafe.Pointer(&x))
		}
		b.dev.check("glClearBufferSubData")
		gl.MemoryBarrier(gl.SHADER_STORAGE_BARRIER_BIT | gl.BUFFER_UPDATE_BARRIER_BIT)
	})
}

// Release frees the GPU memory. It is idempotent; the buffer must not be
// used afterwards.
func (b *Buffer[T]) Release() {
	if b == nil || b.id == 0 || b.dev.closed.Load() {
		return
	}
	b.dev.Call(func() {
		if b.id == 0 {
			return
		}
		gl.DeleteBuffers(1, &b.id)
		b.dev.check("glDeleteBuffers")
		b.dev.stats.LiveBuffers--
		b.dev.stats.LiveBytes -= int64(b.size)
		b.id = 0
	})
}

// Stats counts live GPU memory and host↔GPU transfers since Open (or the
// last ResetTransfers).
type Stats struct {
	LiveBuffers   int
	LiveBytes     int64
	PeakBytes     int64
	Uploads       int64 // calls
	UploadBytes   int64
	Downloads     int64 // calls
	DownloadBytes int64
	Dispatches    int64
}

// Stats returns a snapshot of the counters.
func (d *Device) Stats() Stats {
	var s Stats
	d.Call(func() {
		s = d.stats
		s.PeakBytes = d.peak
	})
	return s
}

// ResetTransfers zeroes the transfer and dispatch counters and sets the
// peak to the memory live now; live counts stay.
func (d *Device) ResetTransfers() {
	d.Call(func() {
		d.stats.Uploads, d.stats.UploadBytes = 0, 0
		d.stats.Downloads, d.stats.DownloadBytes = 0, 0
		d.stats.Dispatches = 0
		d.peak = d.stats.LiveBytes
	})
}
