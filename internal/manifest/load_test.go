package manifest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// writeManifest writes content to dir/name with mode and returns its path.
func writeManifest(t *testing.T, dir, name, content string, mode fs.FileMode) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	// Chmod sets the mode exactly, whatever the umask.
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func skipUnlessRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("LoadApp accepts only files owned by root, and only root can create them")
	}
}

func TestLoadSetsSource(t *testing.T) {
	path := writeManifest(t, t.TempDir(), "webapp.yaml", baseline, 0o644)
	m, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if m.Source != path {
		t.Errorf("Source = %q, want %q", m.Source, path)
	}
	if m.ID != "webapp" {
		t.Errorf("ID = %q, want webapp", m.ID)
	}
}

func TestLoadProblemsNameThePath(t *testing.T) {
	path := writeManifest(t, t.TempDir(), "webapp.yaml", edit(t, "id: webapp", "id: other"), 0o644)
	_, err := Load(path)
	var problems Problems
	if !errors.As(err, &problems) || len(problems) != 1 {
		t.Fatalf("Load error = %v, want one problem", err)
	}
	if problems[0].File != path {
		t.Errorf("File = %q, want %q", problems[0].File, path)
	}
}

func TestLoadTooLarge(t *testing.T) {
	// A comment keeps the YAML valid, so only the size can fail it.
	content := baseline + "#" + strings.Repeat("x", MaxFileSize-len(baseline))
	path := writeManifest(t, t.TempDir(), "webapp.yaml", content, 0o644)

	_, err := Load(path)
	var problems Problems
	if !errors.As(err, &problems) || len(problems) != 1 {
		t.Fatalf("Load error = %v, want one problem", err)
	}
	want := "file is 1048577 bytes, over the limit of 1048576 bytes"
	if problems[0].Message != want {
		t.Errorf("Message = %q, want %q", problems[0].Message, want)
	}
}

func TestLoadAtSizeLimit(t *testing.T) {
	content := baseline + "#" + strings.Repeat("x", MaxFileSize-len(baseline)-1)
	path := writeManifest(t, t.TempDir(), "webapp.yaml", content, 0o644)
	if _, err := Load(path); err != nil {
		t.Errorf("Load of a %d-byte file: %v", len(content), err)
	}
}

func TestLoadStopsAtLimitWhileReading(t *testing.T) {
	dir := t.TempDir()
	small := writeManifest(t, dir, "small.yaml", "id: x\n", 0o644)
	large := writeManifest(t, dir, "webapp.yaml", strings.Repeat("#", MaxFileSize+10), 0o644)
	smallInfo, err := os.Stat(small)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(large)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	// The small file's size plays the part of a size taken before the file grew.
	_, err = load(f, large, smallInfo)
	var problems Problems
	if !errors.As(err, &problems) || len(problems) != 1 {
		t.Fatalf("load error = %v, want one problem", err)
	}
	if !strings.Contains(problems[0].Message, "file grew while being read") {
		t.Errorf("Message = %q, want it to say the file grew", problems[0].Message)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "webapp.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load error = %v, want one that wraps fs.ErrNotExist", err)
	}
}

func TestLoadRejectsNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	directory := filepath.Join(dir, "directory.yaml")
	if err := os.Mkdir(directory, 0o755); err != nil {
		t.Fatal(err)
	}

	for _, path := range []string{fifo, directory} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			_, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), "is not a regular file") {
				t.Errorf("Load error = %v, want one saying it is not a regular file", err)
			}
		})
	}
}

func TestLoadAppValid(t *testing.T) {
	skipUnlessRoot(t)
	dir := t.TempDir()
	path := writeManifest(t, dir, "webapp.yaml", baseline, 0o644)

	m, err := LoadApp(dir, "webapp")
	if err != nil {
		t.Fatalf("LoadApp: %v", err)
	}
	if m.ID != "webapp" || m.Source != path {
		t.Errorf("LoadApp = id %q from %q, want webapp from %q", m.ID, m.Source, path)
	}
}

func TestLoadAppInvalidIDs(t *testing.T) {
	dir := t.TempDir()
	for _, id := range []string{"", "../webapp", "a/b", "/etc/passwd", ".", "..", "webapp.yaml",
		"WebApp", "-webapp"} {
		t.Run(id, func(t *testing.T) {
			_, err := LoadApp(dir, id)
			if err == nil || !strings.Contains(err.Error(), "invalid app id") {
				t.Errorf("LoadApp(%q) error = %v, want invalid app id", id, err)
			}
		})
	}
}

func TestLoadAppMissing(t *testing.T) {
	_, err := LoadApp(t.TempDir(), "webapp")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadApp error = %v, want one that wraps fs.ErrNotExist", err)
	}
}

func TestLoadAppUntrustedFiles(t *testing.T) {
	skipUnlessRoot(t)
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string)
		message string
	}{
		{"symbolic link", func(t *testing.T, dir string) {
			target := writeManifest(t, t.TempDir(), "webapp.yaml", baseline, 0o644)
			if err := os.Symlink(target, filepath.Join(dir, "webapp.yaml")); err != nil {
				t.Fatal(err)
			}
		}, "is a symbolic link"},
		{"group-writable", func(t *testing.T, dir string) {
			writeManifest(t, dir, "webapp.yaml", baseline, 0o664)
		}, "is writable by group or others (mode 0664); run chmod go-w "},
		{"world-writable", func(t *testing.T, dir string) {
			writeManifest(t, dir, "webapp.yaml", baseline, 0o646)
		}, "(mode 0646)"},
		{"owned by another user", func(t *testing.T, dir string) {
			path := writeManifest(t, dir, "webapp.yaml", baseline, 0o644)
			if err := os.Chown(path, 1001, 1001); err != nil {
				t.Fatal(err)
			}
		}, "is owned by uid 1001, not root; run chown root "},
		{"directory", func(t *testing.T, dir string) {
			if err := os.Mkdir(filepath.Join(dir, "webapp.yaml"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, "is not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.prepare(t, dir)

			_, err := LoadApp(dir, "webapp")
			if !errors.Is(err, ErrUntrustedFile) {
				t.Fatalf("LoadApp error = %v, want one that wraps ErrUntrustedFile", err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("LoadApp error = %q, want it to contain %q", err, tt.message)
			}
			if !strings.Contains(err.Error(), filepath.Join(dir, "webapp.yaml")) {
				t.Errorf("LoadApp error = %q, want it to name the file", err)
			}
		})
	}
}

func TestLoadAppInvalidContent(t *testing.T) {
	skipUnlessRoot(t)
	dir := t.TempDir()
	writeManifest(t, dir, "webapp.yaml", edit(t, `user: "1001:1001"`, `user: "0:0"`), 0o644)

	_, err := LoadApp(dir, "webapp")
	var problems Problems
	if !errors.As(err, &problems) || len(problems) != 2 {
		t.Errorf("LoadApp error = %v, want two problems", err)
	}
}

func TestLoadAppRejectsWritableDirectory(t *testing.T) {
	dir := t.TempDir()
	writeManifest(t, dir, "webapp.yaml", baseline, 0o644)
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}

	_, err := LoadApp(dir, "webapp")
	if !errors.Is(err, ErrUntrustedFile) {
		t.Fatalf("error = %v, want ErrUntrustedFile", err)
	}
	if !strings.Contains(err.Error(), "chmod go-w "+dir) {
		t.Errorf("error = %q, want the chmod fix", err)
	}
}
