package gl

// The GL enums glcnn uses, with the values of Mesa's <GL/glcorearb.h>
// (TestConstsMatchHeader compares them). Untyped, as in go-gl.
const (
	ACTIVE_RESOURCES                       = 0x92F5
	BUFFER_BINDING                         = 0x9302
	BUFFER_UPDATE_BARRIER_BIT              = 0x00000200
	COMPILE_STATUS                         = 0x8B81
	COMPUTE_SHADER                         = 0x91B9
	COMPUTE_WORK_GROUP_SIZE                = 0x8267
	COPY_READ_BUFFER                       = 0x8F36
	COPY_WRITE_BUFFER                      = 0x8F37
	DEBUG_OUTPUT                           = 0x92E0
	DEBUG_OUTPUT_SYNCHRONOUS               = 0x8242
	DEBUG_SEVERITY_LOW                     = 0x9148
	DEBUG_SEVERITY_NOTIFICATION            = 0x826B
	DYNAMIC_COPY                           = 0x88EA
	EXTENSIONS                             = 0x1F03
	FALSE                                  = 0
	FLOAT                                  = 0x1406
	INFO_LOG_LENGTH                        = 0x8B84
	INVALID_ENUM                           = 0x0500
	INVALID_FRAMEBUFFER_OPERATION          = 0x0506
	INVALID_INDEX                          = 0xFFFFFFFF
	INVALID_OPERATION                      = 0x0502
	INVALID_VALUE                          = 0x0501
	LINK_STATUS                            = 0x8B82
	MAJOR_VERSION                          = 0x821B
	MAX_COMPUTE_SHADER_STORAGE_BLOCKS      = 0x90DB
	MAX_COMPUTE_SHARED_MEMORY_SIZE         = 0x8262
	MAX_COMPUTE_WORK_GROUP_COUNT           = 0x91BE
	MAX_COMPUTE_WORK_GROUP_INVOCATIONS     = 0x90EB
	MAX_COMPUTE_WORK_GROUP_SIZE            = 0x91BF
	MAX_NAME_LENGTH                        = 0x92F6
	MAX_SHADER_STORAGE_BLOCK_SIZE          = 0x90DE
	MAX_SHADER_STORAGE_BUFFER_BINDINGS     = 0x90DD
	MAX_UNIFORM_BLOCK_SIZE                 = 0x8A30
	MINOR_VERSION                          = 0x821C
	NO_ERROR                               = 0
	NUM_EXTENSIONS                         = 0x821D
	NUM_PROGRAM_BINARY_FORMATS             = 0x87FE
	OUT_OF_MEMORY                          = 0x0505
	PROGRAM_BINARY_LENGTH                  = 0x8741
	QUERY_RESULT                           = 0x8866
	R32F                                   = 0x822E
	R32UI                                  = 0x8236
	R8UI                                   = 0x8232
	RED                                    = 0x1903
	RED_INTEGER                            = 0x8D94
	RENDERER                               = 0x1F01
	SHADER_STORAGE_BARRIER_BIT             = 0x00002000
	SHADER_STORAGE_BLOCK                   = 0x92E6
	SHADER_STORAGE_BUFFER                  = 0x90D2
	SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT = 0x90DF
	SHADING_LANGUAGE_VERSION               = 0x8B8C
	STATIC_DRAW                            = 0x88E4
	STREAM_DRAW                            = 0x88E0
	TIME_ELAPSED                           = 0x88BF
	UNIFORM_BLOCK                          = 0x92E2
	UNIFORM_BLOCK_DATA_SIZE                = 0x8A40
	UNIFORM_BUFFER                         = 0x8A11
	UNIFORM_BUFFER_OFFSET_ALIGNMENT        = 0x8A34
	UNSIGNED_BYTE                          = 0x1401
	UNSIGNED_INT                           = 0x1405
	VENDOR                                 = 0x1F00
	VERSION                                = 0x1F02
)
