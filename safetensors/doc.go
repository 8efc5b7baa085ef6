// Package safetensors reads and writes files in Hugging Face's safetensors
// format (https://github.com/huggingface/safetensors), the format of glcnn's
// model and checkpoint files. It knows the file format only: package
// modelfile gives glcnn's files their meaning, and needs no device either.
//
// The layout:
//
//	bytes 0..8   N, the header length, uint64 little-endian
//	bytes 8..8+N a JSON object: for each tensor
//	             name: {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}
//	             and optionally "__metadata__": {string: string};
//	             padded with spaces so that 8+N is a multiple of 8
//	then         the data buffer; offsets are relative to its start, the
//	             tensors tile it exactly (no gaps, no overlap), each one
//	             row-major (C order) and little-endian.
//
// [WriteFile] writes the tensors in the order given, the metadata first
// and its keys sorted, so the same tensors and metadata always give the
// same bytes; it replaces the file atomically. [ReadFile] trusts nothing
// in a file: it reads only regular files, no more of one than its header
// describes (a 4 GiB sparse file behind a small header is not read whole),
// and checks the header length, every entry's dtype, shape and byte
// length, and that the offsets tile the data buffer exactly, before it
// decodes a value. Only the dtypes F32 and I64 ([DType]) are supported.
package safetensors
