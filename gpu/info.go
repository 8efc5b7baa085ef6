package gpu

import (
	"fmt"
	"io"
	"strings"

	"github.com/glcnn/glcnn/internal/gl"
)

// Info is what the driver says about itself and its compute limits.
type Info struct {
	Context  string `json:"context"` // which backend and platform made the context
	Renderer string `json:"renderer"`
	Vendor   string `json:"vendor"`
	Version  string `json:"gl_version"`
	GLSL     string `json:"glsl_version"`
	Driver   string `json:"driver"` // the driver part of the version string, e.g. "Mesa 22.3.6"
	GLMajor  int    `json:"gl_major"`
	GLMinor  int    `json:"gl_minor"`
	Software bool   `json:"software"` // llvmpipe, softpipe, swrast, SwiftShader

	DriverID   string   `json:"driver_id"`                  // see [Device.DriverID]
	DriverLibs []string `json:"driver_libraries,omitempty"` // the driver's libraries in the process: "path size mtime"

	MaxGroupCount     [3]int `json:"max_workgroup_count"`
	MaxGroupSize      [3]int `json:"max_workgroup_size"`
	MaxInvocations    int    `json:"max_workgroup_invocations"`
	MaxSharedMemory   int    `json:"max_shared_memory_bytes"`
	MaxStorageBlock   int64  `json:"max_storage_block_bytes"`
	MaxStorageBinding int    `json:"max_storage_buffer_bindings"`
	MaxComputeBlocks  int    `json:"max_compute_storage_blocks"`
	MaxUniformBlock   int    `json:"max_uniform_block_bytes"`
	UniformAlign      int    `json:"uniform_buffer_offset_alignment"` // a bound range of a uniform buffer starts at a multiple of this
	StorageAlign      int    `json:"storage_buffer_offset_alignment"` // the same for storage buffers
	MemoryKB          int64  `json:"memory_kb,omitempty"`             // total video memory where the driver tells (NVX_gpu_memory_info), else 0
	TimerQueries      bool   `json:"timer_queries"`                   // whether GPU timestamps are meaningful
}

var softwareRenderers = []string{"llvmpipe", "softpipe", "swrast", "swiftshader", "software rasterizer"}

// IsSoftware reports whether renderer names a CPU implementation of GL.
func IsSoftware(renderer string) bool {
	r := strings.ToLower(renderer)
	for _, s := range softwareRenderers {
		if strings.Contains(r, s) {
			return true
		}
	}
	return false
}

func readInfo() Info {
	in := Info{
		Renderer: glString(gl.RENDERER),
		Vendor:   glString(gl.VENDOR),
		Version:  glString(gl.VERSION),
		GLSL:     glString(gl.SHADING_LANGUAGE_VERSION),
	}
	var v int32
	gl.GetIntegerv(gl.MAJOR_VERSION, &v)
	in.GLMajor = int(v)
	gl.GetIntegerv(gl.MINOR_VERSION, &v)
	in.GLMinor = int(v)
	if i := strings.IndexAny(in.Version, " "); i > 0 {
		in.Driver = strings.TrimSpace(strings.TrimPrefix(in.Version[i:], " (Core Profile)"))
	}
	in.Software = IsSoftware(in.Renderer)
	in.DriverID, in.DriverLibs = driverIdentity(in.Renderer, in.Version, procSelfMaps)
	in.TimerQueries = !in.Software
	if in.GLMajor < 4 || (in.GLMajor == 4 && in.GLMinor < 3) {
		gl.GetError() // the queries below do not exist there
		return in
	}
	for i := uint32(0); i < 3; i++ {
		gl.GetIntegeri_v(gl.MAX_COMPUTE_WORK_GROUP_COUNT, i, &v)
		in.MaxGroupCount[i] = int(v)
		gl.GetIntegeri_v(gl.MAX_COMPUTE_WORK_GROUP_SIZE, i, &v)
		in.MaxGroupSize[i] = int(v)
	}
	gl.GetIntegerv(gl.MAX_COMPUTE_WORK_GROUP_INVOCATIONS, &v)
	in.MaxInvocations = int(v)
	gl.GetIntegerv(gl.MAX_COMPUTE_SHARED_MEMORY_SIZE, &v)
	in.MaxSharedMemory = int(v)
	gl.GetIntegerv(gl.MAX_SHADER_STORAGE_BUFFER_BINDINGS, &v)
	in.MaxStorageBinding = int(v)
	gl.GetIntegerv(gl.MAX_COMPUTE_SHADER_STORAGE_BLOCKS, &v)
	in.MaxComputeBlocks = int(v)
	gl.GetIntegerv(gl.MAX_UNIFORM_BLOCK_SIZE, &v)
	in.MaxUniformBlock = int(v)
	gl.GetIntegerv(gl.UNIFORM_BUFFER_OFFSET_ALIGNMENT, &v)
	in.UniformAlign = max(int(v), 1)
	gl.GetIntegerv(gl.SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT, &v)
	in.StorageAlign = max(int(v), 1)
	var v64 int64
	gl.GetInteger64v(gl.MAX_SHADER_STORAGE_BLOCK_SIZE, &v64)
	in.MaxStorageBlock = v64
	if hasExtension("GL_NVX_gpu_memory_info") {
		const totalAvailableNVX = 0x9048
		gl.GetIntegerv(totalAvailableNVX, &v)
		in.MemoryKB = int64(v)
	}
	gl.GetError() // an unsupported query must not leak into the first checked call
	return in
}

func hasExtension(name string) bool {
	var n int32
	gl.GetIntegerv(gl.NUM_EXTENSIONS, &n)
	for i := int32(0); i < n; i++ {
		if p := gl.GetStringi(gl.EXTENSIONS, uint32(i)); p != nil && gl.GoStr(p) == name {
			return true
		}
	}
	return false
}

// Print writes the info as an aligned human-readable table.
func (in Info) Print(w io.Writer) {
	soft := "no"
	if in.Software {
		soft = "yes (CPU; timings are wall clock + glFinish)"
	}
	rows := [][2]string{
		{"context", in.Context},
		{"renderer", in.Renderer},
		{"vendor", in.Vendor},
		{"OpenGL", in.Version},
		{"GLSL", in.GLSL},
		{"driver", in.Driver},
		{"driver id", in.driverSummary()},
		{"software renderer", soft},
		{"max workgroup count", fmt.Sprintf("%d x %d x %d", in.MaxGroupCount[0], in.MaxGroupCount[1], in.MaxGroupCount[2])},
		{"max workgroup size", fmt.Sprintf("%d x %d x %d", in.MaxGroupSize[0], in.MaxGroupSize[1], in.MaxGroupSize[2])},
		{"max invocations/group", fmt.Sprint(in.MaxInvocations)},
		{"shared memory", fmt.Sprintf("%d KiB", in.MaxSharedMemory/1024)},
		{"max storage block", fmt.Sprintf("%d MiB", in.MaxStorageBlock>>20)},
		{"storage bindings", fmt.Sprintf("%d (compute blocks %d)", in.MaxStorageBinding, in.MaxComputeBlocks)},
		{"max uniform block", fmt.Sprintf("%d KiB", in.MaxUniformBlock/1024)},
		{"offset alignment", fmt.Sprintf("uniform %d B, storage %d B", in.UniformAlign, in.StorageAlign)},
	}
	if in.MemoryKB > 0 {
		rows = append(rows, [2]string{"video memory", fmt.Sprintf("%d MiB", in.MemoryKB/1024)})
	}
	for _, r := range rows {
		fmt.Fprintf(w, "%-22s %s\n", r[0]+":", r[1])
	}
}
