// Package atomicfile writes the files users open (forecast and plan CSVs): a temporary file next to the
// destination is written, synced and renamed over it, so a reader never sees half a file and a failed write
// leaves the previous file intact. Errors name the path the user gave, never the temporary file.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Mode is the permission of a written file: readable by everyone, like any report a user hands on.
const Mode fs.FileMode = 0o644

// File is a destination being written; nothing appears at its path before Commit.
type File struct {
	path string
	tmp  *os.File
}

// Create starts writing path. It creates the temporary file at once, so an unwritable destination fails
// before the caller does any work for it.
func Create(path string) (*File, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, fmt.Errorf("cannot write %s: it is a directory (give a file name)", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, explain(path, err)
	}
	return &File{path: path, tmp: tmp}, nil
}

func (f *File) Write(p []byte) (int, error) {
	n, err := f.tmp.Write(p)
	if err != nil {
		err = explain(f.path, err)
	}
	return n, err
}

// Commit makes the written content the file at path, with Mode.
func (f *File) Commit() error {
	err := f.tmp.Chmod(Mode)
	if err == nil {
		err = f.tmp.Sync()
	}
	if cerr := f.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.tmp.Name(), f.path)
	}
	if err != nil {
		os.Remove(f.tmp.Name())
		return explain(f.path, err)
	}
	return nil
}

// Abort drops what was written; the file at path, if any, is untouched. It is harmless after Commit.
func (f *File) Abort() {
	f.tmp.Close()
	os.Remove(f.tmp.Name())
}

// Write writes path with what write produces, or leaves it untouched when write (or the file system) fails.
func Write(path string, write func(io.Writer) error) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// explain turns a file system error on the temporary file into one about path.
func explain(path string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		err = le.Err
	}
	dir := filepath.Dir(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("cannot write %s: directory %s does not exist", path, dir)
	case errors.Is(err, syscall.ENOTDIR):
		return fmt.Errorf("cannot write %s: %s is not a directory", path, dir)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("cannot write %s: permission denied (directory %s)", path, dir)
	}
	return fmt.Errorf("cannot write %s: %w", path, err)
}
