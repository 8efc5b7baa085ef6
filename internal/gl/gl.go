package gl

// Each trampoline calls the entry point fn (loaded by InitWithProcAddrFunc)
// through the header's PFNGL...PROC type: cgo cannot call a C function
// pointer itself. Types and typedefs all come from <GL/glcorearb.h>; nothing
// is linked, every address comes from the context's getProcAddr.

/*
#include <GL/glcorearb.h>

#define CALL(NAME) ((PFNGL##NAME##PROC)fn)

static void glcnnAttachShader(void *fn, GLuint program, GLuint shader) { CALL(ATTACHSHADER)(program, shader); }
static void glcnnBeginQuery(void *fn, GLenum target, GLuint id) { CALL(BEGINQUERY)(target, id); }
static void glcnnBindBuffer(void *fn, GLenum target, GLuint buffer) { CALL(BINDBUFFER)(target, buffer); }
static void glcnnBindBufferBase(void *fn, GLenum target, GLuint index, GLuint buffer) { CALL(BINDBUFFERBASE)(target, index, buffer); }
static void glcnnBindBufferRange(void *fn, GLenum target, GLuint index, GLuint buffer, GLintptr offset, GLsizeiptr size) { CALL(BINDBUFFERRANGE)(target, index, buffer, offset, size); }
static void glcnnBufferData(void *fn, GLenum target, GLsizeiptr size, const void *data, GLenum usage) { CALL(BUFFERDATA)(target, size, data, usage); }
static void glcnnBufferSubData(void *fn, GLenum target, GLintptr offset, GLsizeiptr size, const void *data) { CALL(BUFFERSUBDATA)(target, offset, size, data); }
static void glcnnClearBufferSubData(void *fn, GLenum target, GLenum internalformat, GLintptr offset, GLsizeiptr size, GLenum format, GLenum type, const void *data) { CALL(CLEARBUFFERSUBDATA)(target, internalformat, offset, size, format, type, data); }
static void glcnnCompileShader(void *fn, GLuint shader) { CALL(COMPILESHADER)(shader); }
static void glcnnCopyBufferSubData(void *fn, GLenum readTarget, GLenum writeTarget, GLintptr readOffset, GLintptr writeOffset, GLsizeiptr size) { CALL(COPYBUFFERSUBDATA)(readTarget, writeTarget, readOffset, writeOffset, size); }
static GLuint glcnnCreateProgram(void *fn) { return CALL(CREATEPROGRAM)(); }
static GLuint glcnnCreateShader(void *fn, GLenum type) { return CALL(CREATESHADER)(type); }
static void glcnnDeleteBuffers(void *fn, GLsizei n, const GLuint *buffers) { CALL(DELETEBUFFERS)(n, buffers); }
static void glcnnDeleteProgram(void *fn, GLuint program) { CALL(DELETEPROGRAM)(program); }
static void glcnnDeleteQueries(void *fn, GLsizei n, const GLuint *ids) { CALL(DELETEQUERIES)(n, ids); }
static void glcnnDeleteShader(void *fn, GLuint shader) { CALL(DELETESHADER)(shader); }
static void glcnnDispatchCompute(void *fn, GLuint x, GLuint y, GLuint z) { CALL(DISPATCHCOMPUTE)(x, y, z); }
static void glcnnEnable(void *fn, GLenum cap) { CALL(ENABLE)(cap); }
static void glcnnEndQuery(void *fn, GLenum target) { CALL(ENDQUERY)(target); }
static void glcnnFinish(void *fn) { CALL(FINISH)(); }
static void glcnnGenBuffers(void *fn, GLsizei n, GLuint *buffers) { CALL(GENBUFFERS)(n, buffers); }
static void glcnnGenQueries(void *fn, GLsizei n, GLuint *ids) { CALL(GENQUERIES)(n, ids); }
static void glcnnGetActiveUniformBlockiv(void *fn, GLuint program, GLuint index, GLenum pname, GLint *params) { CALL(GETACTIVEUNIFORMBLOCKIV)(program, index, pname, params); }
static void glcnnGetBufferSubData(void *fn, GLenum target, GLintptr offset, GLsizeiptr size, void *data) { CALL(GETBUFFERSUBDATA)(target, offset, size, data); }
static GLenum glcnnGetError(void *fn) { return CALL(GETERROR)(); }
static void glcnnGetInteger64v(void *fn, GLenum pname, GLint64 *data) { CALL(GETINTEGER64V)(pname, data); }
static void glcnnGetIntegeri_v(void *fn, GLenum target, GLuint index, GLint *data) { CALL(GETINTEGERI_V)(target, index, data); }
static void glcnnGetIntegerv(void *fn, GLenum pname, GLint *data) { CALL(GETINTEGERV)(pname, data); }
static void glcnnGetProgramBinary(void *fn, GLuint program, GLsizei bufSize, GLsizei *length, GLenum *binaryFormat, void *binary) { CALL(GETPROGRAMBINARY)(program, bufSize, length, binaryFormat, binary); }
static void glcnnGetProgramInfoLog(void *fn, GLuint program, GLsizei bufSize, GLsizei *length, GLchar *infoLog) { CALL(GETPROGRAMINFOLOG)(program, bufSize, length, infoLog); }
static void glcnnGetProgramInterfaceiv(void *fn, GLuint program, GLenum iface, GLenum pname, GLint *params) { CALL(GETPROGRAMINTERFACEIV)(program, iface, pname, params); }
static void glcnnGetProgramResourceName(void *fn, GLuint program, GLenum iface, GLuint index, GLsizei bufSize, GLsizei *length, GLchar *name) { CALL(GETPROGRAMRESOURCENAME)(program, iface, index, bufSize, length, name); }
static void glcnnGetProgramResourceiv(void *fn, GLuint program, GLenum iface, GLuint index, GLsizei propCount, const GLenum *props, GLsizei count, GLsizei *length, GLint *params) { CALL(GETPROGRAMRESOURCEIV)(program, iface, index, propCount, props, count, length, params); }
static void glcnnGetProgramiv(void *fn, GLuint program, GLenum pname, GLint *params) { CALL(GETPROGRAMIV)(program, pname, params); }
static void glcnnGetQueryObjectui64v(void *fn, GLuint id, GLenum pname, GLuint64 *params) { CALL(GETQUERYOBJECTUI64V)(id, pname, params); }
static void glcnnGetShaderInfoLog(void *fn, GLuint shader, GLsizei bufSize, GLsizei *length, GLchar *infoLog) { CALL(GETSHADERINFOLOG)(shader, bufSize, length, infoLog); }
static void glcnnGetShaderiv(void *fn, GLuint shader, GLenum pname, GLint *params) { CALL(GETSHADERIV)(shader, pname, params); }
static const GLubyte *glcnnGetString(void *fn, GLenum name) { return CALL(GETSTRING)(name); }
static const GLubyte *glcnnGetStringi(void *fn, GLenum name, GLuint index) { return CALL(GETSTRINGI)(name, index); }
static GLuint glcnnGetUniformBlockIndex(void *fn, GLuint program, const GLchar *name) { return CALL(GETUNIFORMBLOCKINDEX)(program, name); }
static void glcnnLinkProgram(void *fn, GLuint program) { CALL(LINKPROGRAM)(program); }
static void glcnnMemoryBarrier(void *fn, GLbitfield barriers) { CALL(MEMORYBARRIER)(barriers); }
static void glcnnProgramBinary(void *fn, GLuint program, GLenum binaryFormat, const void *binary, GLsizei length) { CALL(PROGRAMBINARY)(program, binaryFormat, binary, length); }
static void glcnnShaderSource(void *fn, GLuint shader, GLsizei count, const GLchar *const *strings, const GLint *length) { CALL(SHADERSOURCE)(shader, count, strings, length); }
static void glcnnUniformBlockBinding(void *fn, GLuint program, GLuint index, GLuint binding) { CALL(UNIFORMBLOCKBINDING)(program, index, binding); }
static void glcnnUseProgram(void *fn, GLuint program) { CALL(USEPROGRAM)(program); }

// The KHR_debug callback GL calls: it hands the message to the Go side
// (glcnnDebugCallback, exported in debug.go).
extern void glcnnDebugCallback(GLenum source, GLenum type, GLuint id, GLenum severity, GLsizei length, const GLchar *message, const void *userParam);
static void APIENTRY glcnnCDebugCallback(GLenum source, GLenum type, GLuint id, GLenum severity, GLsizei length, const GLchar *message, const void *userParam) {
	glcnnDebugCallback(source, type, id, severity, length, message, userParam);
}
static void glcnnDebugMessageCallback(void *fn, const void *userParam) { CALL(DEBUGMESSAGECALLBACK)(glcnnCDebugCallback, userParam); }
*/
import "C"

import (
	"fmt"
	"strings"
	"unsafe"
)

// The entry points, filled by InitWithProcAddrFunc.
var (
	gpAttachShader, gpBeginQuery, gpBindBuffer, gpBindBufferBase, gpBindBufferRange,
	gpBufferData, gpBufferSubData, gpClearBufferSubData, gpCompileShader,
	gpCopyBufferSubData, gpCreateProgram, gpCreateShader, gpDebugMessageCallback,
	gpDeleteBuffers, gpDeleteProgram, gpDeleteQueries, gpDeleteShader,
	gpDispatchCompute, gpEnable, gpEndQuery, gpFinish, gpGenBuffers, gpGenQueries,
	gpGetActiveUniformBlockiv, gpGetBufferSubData, gpGetError, gpGetInteger64v,
	gpGetIntegeri_v, gpGetIntegerv, gpGetProgramBinary, gpGetProgramInfoLog,
	gpGetProgramInterfaceiv, gpGetProgramResourceName, gpGetProgramResourceiv,
	gpGetProgramiv, gpGetQueryObjectui64v, gpGetShaderInfoLog, gpGetShaderiv,
	gpGetString, gpGetStringi, gpGetUniformBlockIndex, gpLinkProgram,
	gpMemoryBarrier, gpProgramBinary, gpShaderSource, gpUniformBlockBinding,
	gpUseProgram unsafe.Pointer
)

// procs names each entry point's GL function: InitWithProcAddrFunc loads
// them in this order.
var procs = []struct {
	name string
	addr *unsafe.Pointer
}{
	{"glAttachShader", &gpAttachShader},
	{"glBeginQuery", &gpBeginQuery},
	{"glBindBuffer", &gpBindBuffer},
	{"glBindBufferBase", &gpBindBufferBase},
	{"glBindBufferRange", &gpBindBufferRange},
	{"glBufferData", &gpBufferData},
	{"glBufferSubData", &gpBufferSubData},
	{"glClearBufferSubData", &gpClearBufferSubData},
	{"glCompileShader", &gpCompileShader},
	{"glCopyBufferSubData", &gpCopyBufferSubData},
	{"glCreateProgram", &gpCreateProgram},
	{"glCreateShader", &gpCreateShader},
	{"glDebugMessageCallback", &gpDebugMessageCallback},
	{"glDeleteBuffers", &gpDeleteBuffers},
	{"glDeleteProgram", &gpDeleteProgram},
	{"glDeleteQueries", &gpDeleteQueries},
	{"glDeleteShader", &gpDeleteShader},
	{"glDispatchCompute", &gpDispatchCompute},
	{"glEnable", &gpEnable},
	{"glEndQuery", &gpEndQuery},
	{"glFinish", &gpFinish},
	{"glGenBuffers", &gpGenBuffers},
	{"glGenQueries", &gpGenQueries},
	{"glGetActiveUniformBlockiv", &gpGetActiveUniformBlockiv},
	{"glGetBufferSubData", &gpGetBufferSubData},
	{"glGetError", &gpGetError},
	{"glGetInteger64v", &gpGetInteger64v},
	{"glGetIntegeri_v", &gpGetIntegeri_v},
	{"glGetIntegerv", &gpGetIntegerv},
	{"glGetProgramBinary", &gpGetProgramBinary},
	{"glGetProgramInfoLog", &gpGetProgramInfoLog},
	{"glGetProgramInterfaceiv", &gpGetProgramInterfaceiv},
	{"glGetProgramResourceName", &gpGetProgramResourceName},
	{"glGetProgramResourceiv", &gpGetProgramResourceiv},
	{"glGetProgramiv", &gpGetProgramiv},
	{"glGetQueryObjectui64v", &gpGetQueryObjectui64v},
	{"glGetShaderInfoLog", &gpGetShaderInfoLog},
	{"glGetShaderiv", &gpGetShaderiv},
	{"glGetString", &gpGetString},
	{"glGetStringi", &gpGetStringi},
	{"glGetUniformBlockIndex", &gpGetUniformBlockIndex},
	{"glLinkProgram", &gpLinkProgram},
	{"glMemoryBarrier", &gpMemoryBarrier},
	{"glProgramBinary", &gpProgramBinary},
	{"glShaderSource", &gpShaderSource},
	{"glUniformBlockBinding", &gpUniformBlockBinding},
	{"glUseProgram", &gpUseProgram},
}

// InitWithProcAddrFunc loads every entry point of the package through
// getProcAddr (eglGetProcAddress, glfw.GetProcAddress), for the context
// current on the calling thread. It fails naming the functions getProcAddr
// returned nil for; the others are loaded all the same.
func InitWithProcAddrFunc(getProcAddr func(name string) unsafe.Pointer) error {
	var missing []string
	for _, p := range procs {
		*p.addr = getProcAddr(p.name)
		if *p.addr == nil {
			missing = append(missing, p.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("no entry point for %s", strings.Join(missing, ", "))
	}
	return nil
}

func AttachShader(program uint32, shader uint32) {
	C.glcnnAttachShader(gpAttachShader, C.GLuint(program), C.GLuint(shader))
}

func BeginQuery(target uint32, id uint32) {
	C.glcnnBeginQuery(gpBeginQuery, C.GLenum(target), C.GLuint(id))
}

func BindBuffer(target uint32, buffer uint32) {
	C.glcnnBindBuffer(gpBindBuffer, C.GLenum(target), C.GLuint(buffer))
}

func BindBufferBase(target uint32, index uint32, buffer uint32) {
	C.glcnnBindBufferBase(gpBindBufferBase, C.GLenum(target), C.GLuint(index), C.GLuint(buffer))
}

func BindBufferRange(target uint32, index uint32, buffer uint32, offset int, size int) {
	C.glcnnBindBufferRange(gpBindBufferRange, C.GLenum(target), C.GLuint(index), C.GLuint(buffer), C.GLintptr(offset), C.GLsizeiptr(size))
}

func BufferData(target uint32, size int, data unsafe.Pointer, usage uint32) {
	C.glcnnBufferData(gpBufferData, C.GLenum(target), C.GLsizeiptr(size), data, C.GLenum(usage))
}

func BufferSubData(target uint32, offset int, size int, data unsafe.Pointer) {
	C.glcnnBufferSubData(gpBufferSubData, C.GLenum(target), C.GLintptr(offset), C.GLsizeiptr(size), data)
}

func ClearBufferSubData(target uint32, internalformat uint32, offset int, size int, format uint32, xtype uint32, data unsafe.Pointer) {
	C.glcnnClearBufferSubData(gpClearBufferSubData, C.GLenum(target), C.GLenum(internalformat), C.GLintptr(offset), C.GLsizeiptr(size), C.GLenum(format), C.GLenum(xtype), data)
}

func CompileShader(shader uint32) {
	C.glcnnCompileShader(gpCompileShader, C.GLuint(shader))
}

func CopyBufferSubData(readTarget uint32, writeTarget uint32, readOffset int, writeOffset int, size int) {
	C.glcnnCopyBufferSubData(gpCopyBufferSubData, C.GLenum(readTarget), C.GLenum(writeTarget), C.GLintptr(readOffset), C.GLintptr(writeOffset), C.GLsizeiptr(size))
}

func CreateProgram() uint32 {
	return uint32(C.glcnnCreateProgram(gpCreateProgram))
}

func CreateShader(xtype uint32) uint32 {
	return uint32(C.glcnnCreateShader(gpCreateShader, C.GLenum(xtype)))
}

// DebugMessageCallback makes callback the context's KHR_debug callback
// (one for the whole package, as in go-gl: the last call wins). GL calls a
// C function that hands each message to it; userParam is passed through.
func DebugMessageCallback(callback DebugProc, userParam unsafe.Pointer) {
	userDebugCallback = callback
	C.glcnnDebugMessageCallback(gpDebugMessageCallback, userParam)
}

func DeleteBuffers(n int32, buffers *uint32) {
	C.glcnnDeleteBuffers(gpDeleteBuffers, C.GLsizei(n), (*C.GLuint)(unsafe.Pointer(buffers)))
}

func DeleteProgram(program uint32) {
	C.glcnnDeleteProgram(gpDeleteProgram, C.GLuint(program))
}

func DeleteQueries(n int32, ids *uint32) {
	C.glcnnDeleteQueries(gpDeleteQueries, C.GLsizei(n), (*C.GLuint)(unsafe.Pointer(ids)))
}

func DeleteShader(shader uint32) {
	C.glcnnDeleteShader(gpDeleteShader, C.GLuint(shader))
}

func DispatchCompute(num_groups_x uint32, num_groups_y uint32, num_groups_z uint32) {
	C.glcnnDispatchCompute(gpDispatchCompute, C.GLuint(num_groups_x), C.GLuint(num_groups_y), C.GLuint(num_groups_z))
}

func Enable(cap uint32) {
	C.glcnnEnable(gpEnable, C.GLenum(cap))
}

func EndQuery(target uint32) {
	C.glcnnEndQuery(gpEndQuery, C.GLenum(target))
}

func Finish() {
	C.glcnnFinish(gpFinish)
}

func GenBuffers(n int32, buffers *uint32) {
	C.glcnnGenBuffers(gpGenBuffers, C.GLsizei(n), (*C.GLuint)(unsafe.Pointer(buffers)))
}

func GenQueries(n int32, ids *uint32) {
	C.glcnnGenQueries(gpGenQueries, C.GLsizei(n), (*C.GLuint)(unsafe.Pointer(ids)))
}

func GetActiveUniformBlockiv(program uint32, uniformBlockIndex uint32, pname uint32, params *int32) {
	C.glcnnGetActiveUniformBlockiv(gpGetActiveUniformBlockiv, C.GLuint(program), C.GLuint(uniformBlockIndex), C.GLenum(pname), (*C.GLint)(unsafe.Pointer(params)))
}

func GetBufferSubData(target uint32, offset int, size int, data unsafe.Pointer) {
	C.glcnnGetBufferSubData(gpGetBufferSubData, C.GLenum(target), C.GLintptr(offset), C.GLsizeiptr(size), data)
}

func GetError() uint32 {
	return uint32(C.glcnnGetError(gpGetError))
}

func GetInteger64v(pname uint32, data *int64) {
	C.glcnnGetInteger64v(gpGetInteger64v, C.GLenum(pname), (*C.GLint64)(unsafe.Pointer(data)))
}

func GetIntegeri_v(target uint32, index uint32, data *int32) {
	C.glcnnGetIntegeri_v(gpGetIntegeri_v, C.GLenum(target), C.GLuint(index), (*C.GLint)(unsafe.Pointer(data)))
}

func GetIntegerv(pname uint32, data *int32) {
	C.glcnnGetIntegerv(gpGetIntegerv, C.GLenum(pname), (*C.GLint)(unsafe.Pointer(data)))
}

func GetProgramBinary(program uint32, bufSize int32, length *int32, binaryFormat *uint32, binary unsafe.Pointer) {
	C.glcnnGetProgramBinary(gpGetProgramBinary, C.GLuint(program), C.GLsizei(bufSize), (*C.GLsizei)(unsafe.Pointer(length)), (*C.GLenum)(unsafe.Pointer(binaryFormat)), binary)
}

func GetProgramInfoLog(program uint32, bufSize int32, length *int32, infoLog *uint8) {
	C.glcnnGetProgramInfoLog(gpGetProgramInfoLog, C.GLuint(program), C.GLsizei(bufSize), (*C.GLsizei)(unsafe.Pointer(length)), (*C.GLchar)(unsafe.Pointer(infoLog)))
}

func GetProgramInterfaceiv(program uint32, programInterface uint32, pname uint32, params *int32) {
	C.glcnnGetProgramInterfaceiv(gpGetProgramInterfaceiv, C.GLuint(program), C.GLenum(programInterface), C.GLenum(pname), (*C.GLint)(unsafe.Pointer(params)))
}

func GetProgramResourceName(program uint32, programInterface uint32, index uint32, bufSize int32, length *int32, name *uint8) {
	C.glcnnGetProgramResourceName(gpGetProgramResourceName, C.GLuint(program), C.GLenum(programInterface), C.GLuint(index), C.GLsizei(bufSize), (*C.GLsizei)(unsafe.Pointer(length)), (*C.GLchar)(unsafe.Pointer(name)))
}

func GetProgramResourceiv(program uint32, programInterface uint32, index uint32, propCount int32, props *uint32, count int32, length *int32, params *int32) {
	C.glcnnGetProgramResourceiv(gpGetProgramResourceiv, C.GLuint(program), C.GLenum(programInterface), C.GLuint(index), C.GLsizei(propCount), (*C.GLenum)(unsafe.Pointer(props)), C.GLsizei(count), (*C.GLsizei)(unsafe.Pointer(length)), (*C.GLint)(unsafe.Pointer(params)))
}

func GetProgramiv(program uint32, pname uint32, params *int32) {
	C.glcnnGetProgramiv(gpGetProgramiv, C.GLuint(program), C.GLenum(pname), (*C.GLint)(unsafe.Pointer(params)))
}

func GetQueryObjectui64v(id uint32, pname uint32, params *uint64) {
	C.glcnnGetQueryObjectui64v(gpGetQueryObjectui64v, C.GLuint(id), C.GLenum(pname), (*C.GLuint64)(unsafe.Pointer(params)))
}

func GetShaderInfoLog(shader uint32, bufSize int32, length *int32, infoLog *uint8) {
	C.glcnnGetShaderInfoLog(gpGetShaderInfoLog, C.GLuint(shader), C.GLsizei(bufSize), (*C.GLsizei)(unsafe.Pointer(length)), (*C.GLchar)(unsafe.Pointer(infoLog)))
}

func GetShaderiv(shader uint32, pname uint32, params *int32) {
	C.glcnnGetShaderiv(gpGetShaderiv, C.GLuint(shader), C.GLenum(pname), (*C.GLint)(unsafe.Pointer(params)))
}

func GetString(name uint32) *uint8 {
	return (*uint8)(unsafe.Pointer(C.glcnnGetString(gpGetString, C.GLenum(name))))
}

func GetStringi(name uint32, index uint32) *uint8 {
	return (*uint8)(unsafe.Pointer(C.glcnnGetStringi(gpGetStringi, C.GLenum(name), C.GLuint(index))))
}

func GetUniformBlockIndex(program uint32, uniformBlockName *uint8) uint32 {
	return uint32(C.glcnnGetUniformBlockIndex(gpGetUniformBlockIndex, C.GLuint(program), (*C.GLchar)(unsafe.Pointer(uniformBlockName))))
}

func LinkProgram(program uint32) {
	C.glcnnLinkProgram(gpLinkProgram, C.GLuint(program))
}

func MemoryBarrier(barriers uint32) {
	C.glcnnMemoryBarrier(gpMemoryBarrier, C.GLbitfield(barriers))
}

func ProgramBinary(program uint32, binaryFormat uint32, binary unsafe.Pointer, length int32) {
	C.glcnnProgramBinary(gpProgramBinary, C.GLuint(program), C.GLenum(binaryFormat), binary, C.GLsizei(length))
}

func ShaderSource(shader uint32, count int32, xstring **uint8, length *int32) {
	C.glcnnShaderSource(gpShaderSource, C.GLuint(shader), C.GLsizei(count), (**C.GLchar)(unsafe.Pointer(xstring)), (*C.GLint)(unsafe.Pointer(length)))
}

func UniformBlockBinding(program uint32, uniformBlockIndex uint32, uniformBlockBinding uint32) {
	C.glcnnUniformBlockBinding(gpUniformBlockBinding, C.GLuint(program), C.GLuint(uniformBlockIndex), C.GLuint(uniformBlockBinding))
}

func UseProgram(program uint32) {
	C.glcnnUseProgram(gpUseProgram, C.GLuint(program))
}
