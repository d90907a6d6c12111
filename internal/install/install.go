// Package install writes and removes seawall's files on a node: the binaries,
// the OCI hook definitions in hooks.d, the containers.conf drop-in that
// registers seawall-runtime, the node configuration and the manifests directory.
// Install is idempotent and records what it wrote, so that Uninstall removes
// exactly that and nothing an admin changed since.
package install

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Options are the choices of one install or uninstall.
type Options struct {
	// Root is the directory every default path is placed under: "/" for the node
	// itself, or a staging directory, whose paths the written files then name.
	Root string
	// HooksDir is the hooks.d directory; empty means the podman default under Root.
	HooksDir string
	// BinDir holds the seawall-hook and seawall-runtime binaries to install.
	BinDir string
	// DefaultRuntime also makes seawall-runtime podman's default runtime.
	DefaultRuntime bool
}

// Change is one line of an install or uninstall summary.
type Change struct {
	// Path is the file or directory.
	Path string
	// Action is created, updated, unchanged, kept, removed or missing.
	Action string
	// Note explains a kept file or another exception.
	Note string
}

func (c Change) String() string {
	if c.Note != "" {
		return fmt.Sprintf("%-9s %s (%s)", c.Action, c.Path, c.Note)
	}
	return fmt.Sprintf("%-9s %s", c.Action, c.Path)
}

// item is one thing Install writes.
type item struct {
	path    string
	content []byte      // nil for a directory
	mode    fs.FileMode // permission bits
	// keepExisting leaves a file that exists alone: the node configuration is the
	// admin's once written.
	keepExisting bool
}

// paths resolves the locations of one install.
type paths struct {
	root, hooksDir, binDir, etc, config, apps, dropIn, record, decisionLog, launcher string
}

func resolvePaths(o Options) (paths, error) {
	root := o.Root
	if root == "" {
		root = "/"
	}
	if !filepath.IsAbs(root) {
		return paths{}, fmt.Errorf("root %q is not an absolute path", root)
	}
	p := paths{
		root:        filepath.Clean(root),
		binDir:      filepath.Join(root, "usr/local/bin"),
		etc:         filepath.Join(root, "etc/seawall"),
		config:      filepath.Join(root, "etc/seawall/config.yaml"),
		apps:        filepath.Join(root, "etc/seawall/apps"),
		dropIn:      filepath.Join(root, "etc/containers/containers.conf.d/seawall.conf"),
		record:      filepath.Join(root, "var/lib/seawall/installed.json"),
		decisionLog: filepath.Join(root, "var/log/seawall/decisions.jsonl"),
		hooksDir:    filepath.Join(root, "usr/share/containers/oci/hooks.d"),
		launcher:    filepath.Join(root, "usr/local/libexec/seawall/seawall-runtime"),
	}
	if o.HooksDir != "" {
		if !filepath.IsAbs(o.HooksDir) {
			return paths{}, fmt.Errorf("hooks directory %q is not an absolute path", o.HooksDir)
		}
		p.hooksDir = filepath.Clean(o.HooksDir)
	}
	return p, nil
}

// writeItem makes the file or directory match the item and reports what it did.
func writeItem(it item) (Change, error) {
	if it.content == nil {
		return writeDir(it)
	}
	current, err := os.ReadFile(it.path)
	switch {
	case err == nil && bytes.Equal(current, it.content):
		return Change{Path: it.path, Action: "unchanged"}, ensureOwnerAndMode(it.path, it.mode)
	case err == nil && it.keepExisting:
		return Change{Path: it.path, Action: "kept", Note: "exists; edit it by hand"}, nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return Change{}, fmt.Errorf("reading %s: %w", it.path, err)
	}

	action := "updated"
	if err != nil {
		action = "created"
	}
	if err := os.MkdirAll(filepath.Dir(it.path), 0o755); err != nil {
		return Change{}, fmt.Errorf("creating %s: %w", filepath.Dir(it.path), err)
	}
	if err := writeAtomic(it.path, it.content, it.mode); err != nil {
		return Change{}, err
	}
	return Change{Path: it.path, Action: action}, nil
}

func writeDir(it item) (Change, error) {
	info, err := os.Stat(it.path)
	if err == nil && !info.IsDir() {
		return Change{}, fmt.Errorf("%s exists and is not a directory", it.path)
	}
	action := "unchanged"
	if errors.Is(err, fs.ErrNotExist) {
		action = "created"
		if err := os.MkdirAll(it.path, it.mode); err != nil {
			return Change{}, fmt.Errorf("creating %s: %w", it.path, err)
		}
	} else if err != nil {
		return Change{}, err
	}
	return Change{Path: it.path, Action: action}, ensureOwnerAndMode(it.path, it.mode)
}

// writeAtomic replaces path with a root-owned file of the given mode.
func writeAtomic(path string, content []byte, mode fs.FileMode) (err error) {
	temp, err := os.CreateTemp(filepath.Dir(path), ".seawall-install-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			os.Remove(temp.Name())
		}
	}()
	if _, err = temp.Write(content); err == nil {
		err = temp.Sync()
	}
	if closeErr := temp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = ensureOwnerAndMode(temp.Name(), mode)
	}
	if err == nil {
		err = os.Rename(temp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// ensureOwnerAndMode makes path owned by root with exactly mode, so that no one
// but root can change what seawall enforces.
func ensureOwnerAndMode(path string, mode fs.FileMode) error {
	if err := os.Lchown(path, 0, 0); err != nil {
		return fmt.Errorf("setting the owner of %s: %w", path, err)
	}
	if err := os.Chmod(path, mode); err != nil {
		return fmt.Errorf("setting the mode of %s: %w", path, err)
	}
	return nil
}

func digest(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}
