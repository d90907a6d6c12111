package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const examplesDir = "../../examples"

// validateOutput runs runValidate with args and returns its exit code, stdout and stderr.
func validateOutput(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := runValidate(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// writeInvalid writes a manifest with two problems, a uid of 0 on line 7 and an
// unknown seccomp profile on line 9, and returns its path.
func writeInvalid(t *testing.T) string {
	t.Helper()
	content := `manifest_version: 1
id: broken
version: "1.0.0"
image: registry.example/broken:1.0.0
security:
  readonly_root: true
  user: "0:1001"
  no_new_privileges: true
  seccomp_profile: loose
  capabilities: []
`
	path := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestValidateValidFiles(t *testing.T) {
	bitcoind := filepath.Join(examplesDir, "bitcoind.yaml")
	wireguard := filepath.Join(examplesDir, "wireguard.yaml")
	code, stdout, stderr := validateOutput(bitcoind, wireguard)

	if code != 0 {
		t.Errorf("exit code = %d, want 0", code)
	}
	want := bitcoind + ": valid (bitcoind 28.1, 0 capabilities, seccomp strict)\n" +
		wireguard + ": valid (wireguard 0.0.20230223, 1 capability, seccomp default, 1 device)\n"
	if stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
	if stderr != "" {
		t.Errorf("stderr = %q, want nothing", stderr)
	}
}

func TestValidateWritableRootSummary(t *testing.T) {
	path := filepath.Join(examplesDir, "thunderhub.yaml")
	_, stdout, _ := validateOutput(path)
	want := path + ": valid (thunderhub 0.13.31, 0 capabilities, seccomp default, writable root)\n"
	if stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
}

func TestValidateQuiet(t *testing.T) {
	code, stdout, stderr := validateOutput("-q", filepath.Join(examplesDir, "electrs.yaml"))
	if code != 0 {
		t.Errorf("exit code = %d, want 0", code)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
	if stderr != "" {
		t.Errorf("stderr = %q, want nothing", stderr)
	}
}

func TestValidateInvalidFile(t *testing.T) {
	path := writeInvalid(t)
	code, stdout, stderr := validateOutput(path)

	if code != 1 {
		t.Errorf("exit code = %d, want 1", code)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("stderr has %d lines, want 2:\n%s", len(lines), stderr)
	}
	wantPrefixes := []string{
		path + ":7:9: security.user: uid 0 is not above 1000; ",
		path + ":9:20: security.seccomp_profile: unknown seccomp profile \"loose\"; ",
	}
	for i, prefix := range wantPrefixes {
		if !strings.HasPrefix(lines[i], prefix) {
			t.Errorf("stderr line %d = %q, want it to start with %q", i+1, lines[i], prefix)
		}
	}
}

func TestValidateMixedFiles(t *testing.T) {
	valid := filepath.Join(examplesDir, "dashboard.yaml")
	code, stdout, stderr := validateOutput(writeInvalid(t), valid)

	if code != 1 {
		t.Errorf("exit code = %d, want 1", code)
	}
	want := valid + ": valid (dashboard 2.4.0, 1 capability, seccomp default)\n"
	if stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
	if strings.Count(stderr, "\n") != 2 {
		t.Errorf("stderr = %q, want the two problems of the invalid file", stderr)
	}
}

func TestValidateMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.yaml")
	code, _, stderr := validateOutput(path)

	if code != 1 {
		t.Errorf("exit code = %d, want 1", code)
	}
	if !strings.Contains(stderr, path) {
		t.Errorf("stderr = %q, want it to name %s", stderr, path)
	}
	if !strings.Contains(stderr, "no such file") {
		t.Errorf("stderr = %q, want it to say the file does not exist", stderr)
	}
}

func TestValidateUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no files", nil, "no manifest files given"},
		{"only a flag", []string{"-q"}, "no manifest files given"},
		{"unknown flag", []string{"-x", "a.yaml"}, "flag provided but not defined: -x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := validateOutput(tt.args...)
			if code != 2 {
				t.Errorf("exit code = %d, want 2", code)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.want)
			}
			if !strings.Contains(stderr, "usage: seawall validate") {
				t.Errorf("stderr = %q, want the usage", stderr)
			}
		})
	}
}

func TestValidateHelp(t *testing.T) {
	code, _, stderr := validateOutput("-h")
	if code != 0 {
		t.Errorf("exit code = %d, want 0", code)
	}
	if !strings.Contains(stderr, "-q") {
		t.Errorf("stderr = %q, want the usage with the -q flag", stderr)
	}
}
