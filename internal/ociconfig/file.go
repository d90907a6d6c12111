package ociconfig

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// MaxFileSize is the largest config or process file, in bytes, that ReadFile
// accepts. Engine-written configs are tens of kilobytes; the cap only keeps a
// hostile file from exhausting memory.
const MaxFileSize = 16 << 20

// ReadFile reads a config or process file. It accepts only a regular file, not a
// symbolic link, and at most MaxFileSize bytes.
func ReadFile(path string) ([]byte, os.FileInfo, error) {
	file, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, nil, fmt.Errorf("reading %q: it is a symbolic link; "+
				"the runtime config must be a regular file", path)
		}
		return nil, nil, fmt.Errorf("reading %q: %w", path, err)
	}
	defer file.Close()

	info, err := file.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("reading %q: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("reading %q: not a regular file (%s)", path, info.Mode().Type())
	}

	data, err := io.ReadAll(io.LimitReader(file, MaxFileSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("reading %q: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, nil, fmt.Errorf("reading %q: larger than %d bytes", path, MaxFileSize)
	}
	return data, info, nil
}

// WriteFile replaces path with data atomically: it writes a temporary file in the
// same directory, gives it the mode and owner of the file described by original,
// syncs it and renames it over path. Readers see either the old or the new file,
// and a symbolic link planted at path is replaced, never followed.
func WriteFile(path string, data []byte, original os.FileInfo) (err error) {
	dir := filepath.Dir(path)
	temp, err := os.CreateTemp(dir, ".seawall-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	defer func() {
		if err != nil {
			temp.Close()
			os.Remove(temp.Name())
		}
	}()

	if err = matchOwnerAndMode(temp, original); err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	if _, err = temp.Write(data); err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	if err = temp.Sync(); err != nil {
		return fmt.Errorf("writing %q: syncing: %w", path, err)
	}
	if err = temp.Close(); err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	if err = os.Rename(temp.Name(), path); err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	return syncDir(dir)
}

func matchOwnerAndMode(file *os.File, original os.FileInfo) error {
	if stat, ok := original.Sys().(*syscall.Stat_t); ok {
		if err := file.Chown(int(stat.Uid), int(stat.Gid)); err != nil {
			return err
		}
	}
	return file.Chmod(original.Mode().Perm())
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing directory %q: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing directory %q: %w", dir, err)
	}
	return nil
}
