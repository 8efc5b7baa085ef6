// Package fsutil holds glcnn's generic file helpers: writing a file
// atomically ([WriteFileAtomic]), opening only regular files
// ([OpenRegular]) and a non-blocking exclusive lock ([TryLock]). They know
// nothing of datasets, models or runs; packages data, trainer, report,
// check and the CLI write and read their files through them.
package fsutil
