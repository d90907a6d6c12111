package manifest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// ErrUntrustedFile is wrapped by the LoadApp errors for a manifest file that
// someone other than root could have written or replaced.
var ErrUntrustedFile = errors.New("untrusted manifest file")

// openFlags open a manifest without blocking on a FIFO put in its place, so that
// the file type check that follows can reject it.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK | syscall.O_CLOEXEC

// Load reads and parses the manifest file at path and sets its Source to path.
// The file must be a regular file, which may be reached through a symbolic link,
// and at most MaxFileSize bytes long. The error is a Problems when the content is
// invalid or too large, and wraps the os error when the file cannot be read.
func Load(path string) (*Manifest, error) {
	f, err := os.OpenFile(path, openFlags, 0)
	if err != nil {
		return nil, fmt.Errorf("opening manifest: %w", err)
	}
	defer f.Close()

	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading manifest: %w", err)
	}
	return load(f, path, info)
}

// LoadApp loads the manifest of the app id from dir, the node's manifest
// directory. The id must be a valid app id, which rules out path traversal, and
// the file dir/ID.yaml must be a regular file, not a symbolic link, owned by root
// and not writable by group or others. A missing file gives an error that wraps
// fs.ErrNotExist, and a file that fails the ownership checks one that wraps
// ErrUntrustedFile.
func LoadApp(dir, id string) (*Manifest, error) {
	if !idPattern.MatchString(id) {
		return nil, fmt.Errorf("invalid app id %q: %s", id, idFix)
	}
	if err := checkTrustedDir(dir); err != nil {
		return nil, fmt.Errorf("loading manifest of app %q: %w", id, err)
	}
	path := filepath.Join(dir, id+Extension)
	linkInfo, err := os.Lstat(path)
	if err != nil {
		return nil, fmt.Errorf("loading manifest of app %q: %w", id, err)
	}
	if err := checkTrusted(path, linkInfo); err != nil {
		return nil, fmt.Errorf("loading manifest of app %q: %w", id, err)
	}

	f, info, err := openTrusted(path, linkInfo)
	if err != nil {
		return nil, fmt.Errorf("loading manifest of app %q: %w", id, err)
	}
	defer f.Close()
	return load(f, path, info)
}

// openTrusted opens the file at path, whose Lstat result is linkInfo, and checks
// again that it is trusted. The checks on linkInfo give clear errors, and the
// checks on the opened file make sure that the path was not replaced in between.
func openTrusted(path string, linkInfo fs.FileInfo) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, openFlags|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, nil, err
	}

	info, err := f.Stat()
	if err == nil && !os.SameFile(linkInfo, info) {
		err = fmt.Errorf("%w: %q was replaced while being opened; try again",
			ErrUntrustedFile, path)
	}
	if err == nil {
		err = checkTrusted(path, info)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, info, nil
}

// checkTrusted returns an error unless info describes a regular file owned by
// root that neither its group nor others may write.
func checkTrusted(path string, info fs.FileInfo) error {
	mode := info.Mode()
	if mode&fs.ModeSymlink != 0 {
		return fmt.Errorf("%w: %q is a symbolic link; replace it with the file it "+
			"points to, owned by root", ErrUntrustedFile, path)
	}
	if !mode.IsRegular() {
		return fmt.Errorf("%w: %q is not a regular file (type %s); replace it with a "+
			"regular file", ErrUntrustedFile, path, mode.Type())
	}

	stat, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%w: owner of %q unknown; the file system reports no owner",
			ErrUntrustedFile, path)
	}
	if stat.Uid != 0 {
		return fmt.Errorf("%w: %q is owned by uid %d, not root; run chown root %s",
			ErrUntrustedFile, path, stat.Uid, path)
	}
	if mode.Perm()&0o022 != 0 {
		return fmt.Errorf("%w: %q is writable by group or others (mode %04o); run "+
			"chmod go-w %s", ErrUntrustedFile, path, mode.Perm(), path)
	}
	return nil
}

// checkTrustedDir returns an error unless dir is a directory owned by root that
// neither its group nor others may write, because anyone who can write it can
// replace or remove any manifest in it.
func checkTrustedDir(dir string) error {
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("manifests directory: %w", err)
	}
	if !info.IsDir() {
		return fmt.Errorf("%w: manifests directory %q is not a directory", ErrUntrustedFile, dir)
	}
	stat, ok := info.Sys().(*syscall.Stat_t)
	if !ok || stat.Uid != 0 {
		return fmt.Errorf("%w: manifests directory %q is not owned by root; run chown root %s",
			ErrUntrustedFile, dir, dir)
	}
	if info.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%w: manifests directory %q is writable by group or others "+
			"(mode %04o); run chmod go-w %s", ErrUntrustedFile, dir, info.Mode().Perm(), dir)
	}
	return nil
}

// load reads the manifest from f, whose file information is info, and parses it
// with path as the file name.
func load(f *os.File, path string, info fs.FileInfo) (*Manifest, error) {
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("manifest %q is not a regular file (type %s)", path,
			info.Mode().Type())
	}
	if info.Size() > MaxFileSize {
		return nil, tooLarge(path, fmt.Sprintf("file is %d bytes", info.Size()))
	}

	// The limit stops a file that grows after the size check above.
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading manifest: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, tooLarge(path, "file grew while being read")
	}

	m, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	m.Source = path
	return m, nil
}

func tooLarge(path, size string) Problems {
	return Problems{{
		File:    path,
		Message: fmt.Sprintf("%s, over the limit of %d bytes", size, MaxFileSize),
		Fix:     "shorten the manifest; a valid one needs only a few kilobytes",
	}}
}
