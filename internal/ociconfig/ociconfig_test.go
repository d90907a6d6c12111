package ociconfig

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/seawall/seawall/internal/testconfig"
)

func TestDecodeSpecAcceptsPodmanConfig(t *testing.T) {
	spec, err := DecodeSpec(testconfig.Podman())
	if err != nil {
		t.Fatalf("DecodeSpec: %v", err)
	}
	if spec.Annotations["org.archipelago.app"] != testconfig.App {
		t.Errorf("app annotation = %q, want %q", spec.Annotations["org.archipelago.app"],
			testconfig.App)
	}
}

func TestDecodeSpecRejects(t *testing.T) {
	cases := []struct {
		name     string
		document string
		message  string
	}{
		{"empty", "  ", "empty document"},
		{"duplicate top-level key", `{"ociVersion":"1.0.2","ociVersion":"1.0.2"}`,
			`duplicate key "ociVersion"`},
		{"duplicate nested key",
			`{"root":{"path":"r","readonly":true,"readonly":false}}`,
			`duplicate key "root.readonly"`},
		{"case mismatch", `{"root":{"path":"r","Readonly":true}}`,
			`unknown field "root.Readonly"`},
		{"unknown field", `{"process":{"cwd":"/","privileged":true}}`,
			`unknown field "process.privileged"`},
		{"unknown field in a list", `{"mounts":[{"destination":"/x","rw":true}]}`,
			`unknown field "mounts[0].rw"`},
		{"trailing document", `{"ociVersion":"1.0.2"} {"ociVersion":"1.0.2"}`,
			"trailing data"},
		{"trailing garbage", `{"ociVersion":"1.0.2"} x`, "trailing data"},
		{"array at the top", `[]`, "expected an object"},
		{"wrong scalar type", `{"root":{"path":"r","readonly":"yes"}}`, "decoding JSON"},
		{"truncated", `{"root":{"path":"r"`, "reading JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeSpec([]byte(tc.document))
			if err == nil {
				t.Fatal("DecodeSpec accepted the document")
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error = %q, want it to contain %q", err, tc.message)
			}
		})
	}
}

func TestDecodeSpecAcceptsAnyAnnotationKey(t *testing.T) {
	document := `{"annotations":{"Root":"x","org.archipelago.app":"electrs"}}`
	if _, err := DecodeSpec([]byte(document)); err != nil {
		t.Fatalf("DecodeSpec: %v", err)
	}
}

func TestDecodeStateAcceptsBundlePath(t *testing.T) {
	cases := map[string]string{
		"bundle":     `{"ociVersion":"1.0.2","id":"c1","status":"creating","bundle":"/b"}`,
		"bundlePath": `{"ociVersion":"1.0.2","id":"c1","status":"creating","bundlePath":"/b"}`,
		"crun root":  `{"ociVersion":"1.0","id":"c1","status":"created","root":"/r","bundle":"/b"}`,
	}
	for name, document := range cases {
		t.Run(name, func(t *testing.T) {
			state, err := DecodeState([]byte(document))
			if err != nil {
				t.Fatalf("DecodeState: %v", err)
			}
			if state.Bundle != "/b" {
				t.Errorf("bundle = %q, want /b", state.Bundle)
			}
		})
	}
}

func TestDecodeStateRejectsDuplicateBundle(t *testing.T) {
	document := `{"id":"c1","bundle":"/b","bundle":"/"}`
	if _, err := DecodeState([]byte(document)); err == nil {
		t.Error("DecodeState accepted a duplicate bundle key")
	}
}

func TestApplyChangesOnlyEditedValues(t *testing.T) {
	original := []byte("{\n  \"process\": {\"user\": {\"uid\": 0, \"gid\": 0},\n" +
		"    \"args\": [\"sh\"]},\n  \"root\": {\"path\": \"rootfs\"},\n  \"z\": 1.50\n}\n")
	edits := []Edit{
		{Path: "process.user.uid", Value: uint32(1001)},
		{Path: "root.readonly", Value: true},
	}
	got, err := Apply(original, edits)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}

	want := "{\n  \"process\": {\"user\": {\"uid\": 1001, \"gid\": 0},\n" +
		"    \"args\": [\"sh\"]},\n  \"root\": {\"path\": \"rootfs\",\"readonly\":true},\n" +
		"  \"z\": 1.50\n}\n"
	if string(got) != want {
		t.Errorf("Apply result:\n%s\nwant:\n%s", got, want)
	}
	if !bytes.Contains(original, []byte(`"uid": 0`)) {
		t.Error("Apply modified its input")
	}
}

func TestApplyDeletesAndCreatesParents(t *testing.T) {
	got, err := Apply([]byte(`{"a":1,"b":2}`), []Edit{
		{Path: "a", Delete: true},
		{Path: "linux.seccomp", Value: map[string]string{"defaultAction": "SCMP_ACT_ERRNO"}},
	})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	want := `{"b":2,"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO"}}}`
	if string(got) != want {
		t.Errorf("Apply = %s, want %s", got, want)
	}
}

func TestApplyRejectsPathSyntax(t *testing.T) {
	for _, path := range []string{"", "process.*", "a|b", "mounts.#", `a\.b`} {
		if _, err := Apply([]byte(`{}`), []Edit{{Path: path, Value: 1}}); err == nil {
			t.Errorf("Apply accepted path %q", path)
		}
	}
}

func TestWriteFileKeepsModeAndOwner(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, []byte(`{"old":true}`), 0o640); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(path, 1234, 5678); err != nil {
			t.Fatal(err)
		}
	}
	_, info, err := ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}

	if err := WriteFile(path, []byte(`{"new":true}`), info); err != nil {
		t.Fatalf("WriteFile: %v", err)
	}
	data, after, err := ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile after write: %v", err)
	}
	if string(data) != `{"new":true}` {
		t.Errorf("content = %s", data)
	}
	if after.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want 0640", after.Mode().Perm())
	}
	stat := after.Sys().(*syscall.Stat_t)
	if os.Geteuid() == 0 && (stat.Uid != 1234 || stat.Gid != 5678) {
		t.Errorf("owner = %d:%d, want 1234:5678", stat.Uid, stat.Gid)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory has %d entries after the write, want 1 (no temporary file left)",
			len(entries))
	}
}

func TestWriteFileReplacesSymlinkWithoutFollowing(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "host-file")
	if err := os.WriteFile(target, []byte("host"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}

	if err := WriteFile(link, []byte("{}"), info); err != nil {
		t.Fatalf("WriteFile: %v", err)
	}
	host, _ := os.ReadFile(target)
	if string(host) != "host" {
		t.Errorf("symlink target was overwritten: %q", host)
	}
}

func TestReadFileRejects(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "config.json")
	if err := os.WriteFile(regular, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(regular, link); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.json")
	if err := os.WriteFile(huge, make([]byte, MaxFileSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}

	cases := map[string]string{
		link:                             "symbolic link",
		huge:                             "larger than",
		fifo:                             "not a regular file",
		dir:                              "not a regular file",
		filepath.Join(dir, "missing.js"): "no such file",
	}
	for path, message := range cases {
		_, _, err := ReadFile(path)
		if err == nil || !strings.Contains(err.Error(), message) {
			t.Errorf("ReadFile(%s) error = %v, want it to contain %q", filepath.Base(path), err,
				message)
		}
	}
}
