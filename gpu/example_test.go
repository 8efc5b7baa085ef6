package gpu_test

import (
	"fmt"
	"log"

	"github.com/glcnn/glcnn/gpu"
)

// Open a device (headless EGL first, then a hidden GLFW window), see what it
// is, and move data to and from it. Every glcnn program starts like this;
// the trainer, check and bench packages take the *gpu.Device.
func ExampleOpen() {
	d, err := gpu.Open(gpu.Options{}) // Context "" is "auto"
	if err != nil {
		log.Fatal(err) // no OpenGL 4.3 context: the error says why for each backend
	}
	defer d.Close()

	in := d.Info()
	// in.Renderer, in.Driver and the compute limits vary by machine; `glcnn
	// info` prints them all (in.Print).
	fmt.Println("OpenGL 4.3 or later:", in.GLMajor > 4 || in.GLMajor == 4 && in.GLMinor >= 3)

	buf, err := gpu.NewBuffer[float32](d, 4)
	if err != nil {
		log.Fatal(err)
	}
	buf.Upload([]float32{1, 2, 3, 4})
	fmt.Println(buf.Read())
	fmt.Println("live buffers:", d.Stats().LiveBuffers)
	buf.Release()
	fmt.Println("live buffers after Release:", d.Stats().LiveBuffers)
	// Output:
	// OpenGL 4.3 or later: true
	// [1 2 3 4]
	// live buffers: 1
	// live buffers after Release: 0
}
