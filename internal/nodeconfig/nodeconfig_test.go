package nodeconfig

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadFullConfig(t *testing.T) {
	path := writeConfig(t, `mode: audit
app_modes:
  electrs: enforce
manifests_dir: /srv/apps
runtime: /usr/bin/runc
app_annotation: example.app
unmanaged: reject
default_user: "2000:3000"
decision_log: /srv/decisions.jsonl
`, 0o644)
	config, err := Load(path, true)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if config.Mode != Audit || config.ModeFor("electrs") != Enforce || config.ModeFor("x") != Audit {
		t.Errorf("modes = %s / electrs %s", config.Mode, config.ModeFor("electrs"))
	}
	if config.DefaultUID != 2000 || config.DefaultGID != 3000 {
		t.Errorf("default user = %d:%d, want 2000:3000", config.DefaultUID, config.DefaultGID)
	}
	if config.Unmanaged != UnmanagedReject || config.AppAnnotation != "example.app" {
		t.Errorf("unmanaged %q annotation %q", config.Unmanaged, config.AppAnnotation)
	}
	if config.Path != path {
		t.Errorf("path = %q, want %q", config.Path, path)
	}
}

func TestLoadMissingDefaultFileGivesDefaults(t *testing.T) {
	config, err := Load(filepath.Join(t.TempDir(), "absent.yaml"), false)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if config.Mode != Enforce || config.ManifestsDir != "/etc/seawall/apps" ||
		config.AppAnnotation != "org.archipelago.app" || config.Unmanaged != UnmanagedDefault {
		t.Errorf("defaults = %+v", config)
	}
	if config.DefaultUID != 65534 {
		t.Errorf("default uid = %d, want 65534", config.DefaultUID)
	}
}

func TestLoadMissingExplicitFileFails(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.yaml"), true)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error = %v, want fs.ErrNotExist", err)
	}
}

func TestLoadRejects(t *testing.T) {
	cases := []struct {
		name    string
		content string
		mode    os.FileMode
		message string
	}{
		{"unknown key", "mode: enforce\nmanifest_dir: /x\n", 0o644, "manifest_dir"},
		{"bad mode", "mode: permissive\n", 0o644, `invalid mode "permissive"`},
		{"bad app mode", "app_modes:\n  x: off\n", 0o644, "app_modes.x"},
		{"bad unmanaged", "unmanaged: allow\n", 0o644, `unmanaged: invalid value "allow"`},
		{"relative runtime", "runtime: crun\n", 0o644, "not an absolute path"},
		{"missing runtime", "runtime: /nonexistent/crun\n", 0o644, "no such file"},
		{"relative manifests", "manifests_dir: apps\n", 0o644, "manifests_dir"},
		{"low default user", "default_user: \"1000:1000\"\n", 0o644, "above 1000"},
		{"named default user", "default_user: nobody:nogroup\n", 0o644, "decimal"},
		{"empty annotation", "app_annotation: \"\"\n", 0o644, "app_annotation"},
		{"group writable", "mode: enforce\n", 0o664, "chmod go-w"},
		{"world writable", "mode: enforce\n", 0o646, "chmod go-w"},
		{"duplicate key", "mode: enforce\nmode: audit\n", 0o644, "already defined"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, tc.content, tc.mode), true)
			if err == nil {
				t.Fatal("Load accepted the configuration")
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error = %q, want it to contain %q", err, tc.message)
			}
		})
	}
}

func TestLoadRejectsFileNotOwnedByRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("changing a file's owner needs root")
	}
	path := writeConfig(t, "mode: enforce\n", 0o644)
	if err := os.Chown(path, 1234, 1234); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path, true)
	if err == nil || !strings.Contains(err.Error(), "owned by uid 1234") {
		t.Errorf("error = %v, want it to name the owner", err)
	}
}

func TestResolve(t *testing.T) {
	t.Setenv(EnvPath, "")
	if path, explicit := Resolve(""); path != DefaultPath || explicit {
		t.Errorf("Resolve() = %q, %v", path, explicit)
	}
	t.Setenv(EnvPath, "/env.yaml")
	if path, explicit := Resolve(""); path != "/env.yaml" || !explicit {
		t.Errorf("Resolve with env = %q, %v", path, explicit)
	}
	if path, _ := Resolve("/flag.yaml"); path != "/flag.yaml" {
		t.Errorf("Resolve with flag = %q, want the flag to win", path)
	}
}

func TestLoadErrorNamesKeyAndLine(t *testing.T) {
	_, err := Load(writeConfig(t, "mode: enforce\nmanifest_dir: /x\nunmanaged: [a]\n", 0o644), true)
	if err == nil {
		t.Fatal("Load accepted the configuration")
	}
	message := err.Error()
	for _, want := range []string{`line 2: unknown key "manifest_dir"`, "line 3: a YAML seq"} {
		if !strings.Contains(message, want) {
			t.Errorf("error = %q, want it to contain %q", message, want)
		}
	}
	if strings.Contains(message, "nodeconfig.") || strings.Contains(message, "\n") {
		t.Errorf("error = %q, want one line without Go type names", message)
	}
}
