package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seawall/seawall/internal/audit"
	"github.com/seawall/seawall/internal/policy"
	"github.com/seawall/seawall/internal/testconfig"
)

// testNode writes a node configuration whose manifests are the examples and
// returns the configuration file.
func testNode(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	apps := filepath.Join(dir, "apps")
	if err := os.Mkdir(apps, 0o755); err != nil {
		t.Fatal(err)
	}
	examples, _ := filepath.Glob(filepath.Join(examplesDir, "*.yaml"))
	for _, example := range examples {
		data, _ := os.ReadFile(example)
		os.WriteFile(filepath.Join(apps, filepath.Base(example)), data, 0o644)
	}
	config := filepath.Join(dir, "config.yaml")
	content := "manifests_dir: " + apps + "\ndecision_log: " + dir + "/decisions.jsonl\n"
	if err := os.WriteFile(config, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return config
}

func runCommand(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func writeConfig(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckPrintsTighteningsWithoutRecording(t *testing.T) {
	node := testNode(t)
	code, stdout, stderr := runCommand("check", "--config", node,
		writeConfig(t, testconfig.Podman()))
	if code != exitOK {
		t.Fatalf("exit = %d; stderr: %s", code, stderr)
	}
	for _, want := range []string{": tighten", "app:       electrs", "TIGHTEN  root.readonly",
		"manifest: security.readonly_root", "set root.readonly = true"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(node), "decisions.jsonl")); err == nil {
		t.Error("check wrote a decision record")
	}
}

func TestCheckRejectionExitsOne(t *testing.T) {
	spec := testconfig.PodmanSpec(t)
	spec.Annotations[policy.PodmanPrivilegedAnnotation] = "TRUE"
	code, stdout, _ := runCommand("check", "--config", testNode(t),
		writeConfig(t, testconfig.Encode(t, spec)))
	if code != exitInvalid {
		t.Errorf("exit = %d, want %d", code, exitInvalid)
	}
	if !strings.Contains(stdout, "REJECT   annotations.io.podman.annotations.privileged") {
		t.Errorf("output lacks the privileged finding:\n%s", stdout)
	}
}

func TestCheckWithManifestFile(t *testing.T) {
	code, stdout, stderr := runCommand("check", "--config", testNode(t), "--manifest",
		filepath.Join(examplesDir, "thunderhub.yaml"), writeConfig(t, testconfig.Podman()))
	if code != exitOK {
		t.Fatalf("exit = %d; stderr: %s", code, stderr)
	}
	if !strings.Contains(stdout, "OK       root.readonly") ||
		!strings.Contains(stdout, "reason:") {
		t.Errorf("thunderhub's writable root is not shown with its reason:\n%s", stdout)
	}
}

func TestExplainFindsContainerByShortID(t *testing.T) {
	node := testNode(t)
	log := audit.Log{Path: filepath.Join(filepath.Dir(node), "decisions.jsonl")}
	id := strings.Repeat("ab", 32)
	for _, layer := range []string{"precreate", "prestart"} {
		record := audit.Record{Layer: layer, Command: layer, ContainerID: id, App: "electrs",
			Mode: "enforce", Action: policy.Reject, Findings: []policy.Finding{{
				Rule: policy.RulePrivileged, Path: "annotations.x", Have: "TRUE",
				Allowed: "no privileged containers", Action: policy.Reject,
				Field: "security.capabilities", Fix: "run it without --privileged"}}}
		if err := log.Append(record); err != nil {
			t.Fatal(err)
		}
	}

	code, stdout, stderr := runCommand("explain", "--config", node, id[:12])
	if code != exitOK {
		t.Fatalf("exit = %d; stderr: %s", code, stderr)
	}
	for _, want := range []string{"2 decisions", "seawall-hook precreate: reject",
		"seawall-hook prestart: reject", "rule privileged", "fix:      run it without",
		"manifest: security.capabilities"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if code, _, _ := runCommand("explain", "--config", node, "ffffffffffff"); code != exitInvalid {
		t.Errorf("unknown container: exit %d, want %d", code, exitInvalid)
	}
}

func TestProfilePrintsTheAppsSeccompProfile(t *testing.T) {
	code, stdout, stderr := runCommand("profile", "--manifest",
		filepath.Join(examplesDir, "bitcoind.yaml"))
	if code != exitOK {
		t.Fatalf("exit = %d; stderr: %s", code, stderr)
	}
	var profile struct {
		DefaultAction string `json:"defaultAction"`
		Syscalls      []struct {
			Names  []string `json:"names"`
			Action string   `json:"action"`
		} `json:"syscalls"`
	}
	if err := json.Unmarshal([]byte(stdout), &profile); err != nil {
		t.Fatalf("output is not a profile: %v", err)
	}
	if profile.DefaultAction != "SCMP_ACT_ERRNO" || len(profile.Syscalls) == 0 {
		t.Errorf("profile = %s with %d rules", profile.DefaultAction, len(profile.Syscalls))
	}
	if code, _, _ := runCommand("profile"); code != exitUsage {
		t.Errorf("profile without an app: exit %d, want %d", code, exitUsage)
	}
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	if code, _, stderr := runCommand("frobnicate"); code != exitUsage ||
		!strings.Contains(stderr, `unknown command "frobnicate"`) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
