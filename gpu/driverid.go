package gpu

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// A driver's version string does not change with every build of the
// driver: a Debian point update of Mesa (22.3.6-1+deb12u1 -> +deb12u2) kept
// "Mesa 22.3.6" and the new build refused every program binary the old one
// had written. What does change is the driver's shared libraries on disk,
// so the device's identity includes those the process has actually loaded,
// found in /proc/self/maps once the context exists.

// procSelfMaps lists the files mapped into this process (Linux).
const procSelfMaps = "/proc/self/maps"

// driverLibPatterns match the base names of the shared libraries that make
// up a GL driver build: a new build of any of them may compile or lay out
// programs differently. Loaders and dispatchers that only pass calls on
// (libEGL.so.1, libGL.so.1, libvulkan.so.1) are left out.
var driverLibPatterns = []string{
	"*_dri.so",              // Mesa's DRI drivers: swrast_dri.so (llvmpipe), zink_dri.so, radeonsi_dri.so, iris_dri.so
	"libgallium*.so*",       // Mesa >= 24.1 keeps its drivers here behind a stub *_dri.so
	"libglapi.so*",          // Mesa's GL dispatch, built with the driver
	"libLLVM*.so*",          // the code generator of llvmpipe, lavapipe and radeonsi
	"libEGL_*.so*",          // glvnd EGL vendor libraries: libEGL_mesa, libEGL_nvidia
	"libGLX_*.so*",          // glvnd GLX vendor libraries (NVIDIA's is also its Vulkan driver)
	"libvulkan_*.so*",       // Mesa's Vulkan drivers under zink: libvulkan_lvp.so (lavapipe), _radeon, _intel
	"libvk_swiftshader.so*", // SwiftShader's Vulkan driver under zink
	"amdvlk*.so",            // AMD's Vulkan driver under zink
	"libnvidia-*.so*",       // NVIDIA: libnvidia-glcore, -eglcore, -glsi, -gpucomp, -tls
}

// DriverID returns a string that identifies the driver build running the
// device: the renderer, the GL version string and a hash of the path, size
// and modification time of every driver library loaded in the process (see
// [Info.DriverLibs]). It is stable across runs on the same machine and
// changes when the GPU, the driver's version or any build of its libraries
// changes, even when the version string does not; caches of anything the
// driver produces or decides (program binaries, kernel self-checks) are
// keyed on it. It is computed once, when the device opens. Where there is no
// /proc/self/maps (outside Linux) it is the renderer and version alone.
//
// The string is a key, not a display name: hash it to name a file.
func (d *Device) DriverID() string { return d.info.DriverID }

// driverIdentity is the DriverID and library list for a driver that reports
// renderer and version, with the libraries read from maps (a file in the
// format of /proc/self/maps). GL thread, once the context is current, so
// that the driver's libraries are loaded.
func driverIdentity(renderer, version, maps string) (id string, libs []string) {
	libs = driverLibraries(maps)
	id = renderer + "; " + version
	if len(libs) == 0 {
		return id, nil
	}
	h := sha256.New()
	for _, l := range libs {
		h.Write([]byte(l))
		h.Write([]byte{0})
	}
	return id + "; libraries " + hex.EncodeToString(h.Sum(nil))[:16], libs
}

// driverLibraries lists the driver libraries mapped in the process, each as
// "path size mtime", sorted; nil when maps cannot be read.
func driverLibraries(maps string) []string {
	raw, err := os.ReadFile(maps)
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	var libs []string
	for _, line := range strings.Split(string(raw), "\n") {
		// address perms offset dev inode path; the path may hold spaces.
		f := strings.Fields(line)
		if len(f) < 6 || !strings.HasPrefix(f[5], "/") {
			continue
		}
		path := strings.Join(f[5:], " ")
		if seen[path] || !isDriverLibrary(strings.TrimSuffix(path, " (deleted)")) {
			continue
		}
		seen[path] = true
		libs = append(libs, libraryIdentity(path))
	}
	sort.Strings(libs)
	return libs
}

func isDriverLibrary(path string) bool {
	base := filepath.Base(path)
	for _, p := range driverLibPatterns {
		if ok, _ := filepath.Match(p, base); ok {
			return true
		}
	}
	return false
}

// libraryIdentity is a library's path, size and modification time: a
// package update replaces the file, and package managers stamp it with the
// build's time, so a new build changes at least the time. A stat is all it
// costs, where an ELF build id would mean parsing each library.
func libraryIdentity(path string) string {
	if strings.HasSuffix(path, " (deleted)") {
		// Updated on disk under this running process: the file at the path
		// is not the build that runs, and the one that runs can't be stat'ed.
		return path
	}
	fi, err := os.Stat(path)
	if err != nil {
		return path + " (unreadable)"
	}
	return fmt.Sprintf("%s %d %s", path, fi.Size(), fi.ModTime().UTC().Format(time.RFC3339Nano))
}

// driverSummary is the DriverID as `glcnn info` prints it: a short hash
// that differs between driver builds, and the libraries' base names.
func (in Info) driverSummary() string {
	sum := sha256.Sum256([]byte(in.DriverID))
	s := hex.EncodeToString(sum[:6])
	if len(in.DriverLibs) == 0 {
		return s + " (renderer and version only: no driver libraries found)"
	}
	names := make([]string, len(in.DriverLibs))
	for i, l := range in.DriverLibs {
		names[i] = filepath.Base(strings.Fields(l)[0])
	}
	return s + " (" + strings.Join(names, ", ") + ")"
}
