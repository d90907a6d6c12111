package enforce

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seawall/seawall/internal/audit"
	"github.com/seawall/seawall/internal/nodeconfig"
	"github.com/seawall/seawall/internal/policy"
	"github.com/seawall/seawall/internal/testconfig"
)

// newEnforcer returns an enforcer over a temporary node with the electrs manifest.
func newEnforcer(t testing.TB) *Enforcer {
	t.Helper()
	dir := t.TempDir()
	apps := filepath.Join(dir, "apps")
	if err := os.Mkdir(apps, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(apps, "electrs.yaml"), []byte(testconfig.ManifestYAML),
		0o644); err != nil {
		t.Fatal(err)
	}
	config := nodeconfig.Defaults()
	config.ManifestsDir = apps
	config.DecisionLog = filepath.Join(dir, "decisions.jsonl")
	config.DefaultUID, config.DefaultGID = 65534, 65534
	return &Enforcer{Config: config, Layer: "runtime"}
}

func records(t *testing.T, e *Enforcer) []audit.Record {
	t.Helper()
	file, err := os.Open(e.Config.DecisionLog)
	if err != nil {
		t.Fatalf("opening the decision log: %v", err)
	}
	defer file.Close()
	var list []audit.Record
	scanner := bufio.NewScanner(file)
	scanner.Buffer(nil, 1<<20)
	for scanner.Scan() {
		var r audit.Record
		if err := json.Unmarshal(scanner.Bytes(), &r); err != nil {
			t.Fatalf("decision log line: %v", err)
		}
		list = append(list, r)
	}
	return list
}

func TestEnforceTightensAndRecords(t *testing.T) {
	e := newEnforcer(t)
	result, err := e.Enforce(Request{Command: "create", ContainerID: testconfig.ContainerID,
		Config: testconfig.Podman()})
	if err != nil {
		t.Fatalf("Enforce: %v", err)
	}
	if !result.Changed {
		t.Fatal("podman's default config was not changed")
	}

	log := records(t, e)
	if len(log) != 1 {
		t.Fatalf("decision log has %d records, want 1", len(log))
	}
	r := log[0]
	if r.Action != policy.Tighten || r.App != "electrs" || r.ContainerID != testconfig.ContainerID {
		t.Errorf("record = action %s app %q id %q, want tighten electrs %s", r.Action, r.App,
			r.ContainerID, testconfig.ContainerID)
	}
	if !strings.HasSuffix(r.Manifest, "apps/electrs.yaml") {
		t.Errorf("record manifest = %q", r.Manifest)
	}
	if len(r.Edits) == 0 {
		t.Error("record lists no edits")
	}
}

func TestEnforceIsIdempotent(t *testing.T) {
	e := newEnforcer(t)
	first, err := e.Enforce(Request{Command: "create", Config: testconfig.Podman()})
	if err != nil {
		t.Fatalf("first Enforce: %v", err)
	}
	second, err := e.Enforce(Request{Command: "create", Config: first.Output})
	if err != nil {
		t.Fatalf("second Enforce: %v", err)
	}
	if second.Changed || !bytes.Equal(second.Output, first.Output) {
		t.Error("enforcing an enforced config changed it")
	}
	if second.Record.Action != policy.OK {
		t.Errorf("second decision = %s, want ok", second.Record.Action)
	}
}

func TestEnforceKeepsUntouchedBytes(t *testing.T) {
	e := newEnforcer(t)
	original := testconfig.Podman()
	result, err := e.Enforce(Request{Command: "create", Config: original})
	if err != nil {
		t.Fatalf("Enforce: %v", err)
	}
	// The hostname and the mounts are not policy fields: their bytes must survive.
	for _, fragment := range []string{`"hostname":`, `"mounts":[{"destination":"/proc"`,
		`"cgroupsPath":"/libpod_parent/`} {
		index := bytes.Index(original, []byte(fragment))
		if index < 0 {
			t.Fatalf("baseline lacks %s", fragment)
		}
		span := original[index : index+120]
		if !bytes.Contains(result.Output, span) {
			t.Errorf("rewritten config lost the original bytes %q", span)
		}
	}
}

func TestEnforceAuditModeChangesNothing(t *testing.T) {
	e := newEnforcer(t)
	e.Config.Mode = nodeconfig.Audit
	original := testconfig.Podman()
	spec := testconfig.PodmanSpec(t)
	spec.Annotations[policy.PodmanPrivilegedAnnotation] = "TRUE"
	privileged := testconfig.Encode(t, spec)

	for _, tc := range []struct {
		name   string
		config []byte
	}{{"lax", original}, {"privileged", privileged}} {
		name, config := tc.name, tc.config
		result, err := e.Enforce(Request{Command: "create", Config: config})
		if err != nil {
			t.Fatalf("%s: audit mode rejected: %v", name, err)
		}
		if result.Changed || !bytes.Equal(result.Output, config) {
			t.Errorf("%s: audit mode changed the config", name)
		}
	}
	log := records(t, e)
	if len(log) != 2 || log[0].Action != policy.Tighten || log[1].Action != policy.Reject {
		t.Fatalf("records = %+v, want tighten then reject", log)
	}
	if log[0].Mode != "audit" {
		t.Errorf("record mode = %q, want audit", log[0].Mode)
	}
}

func TestEnforceAppModeOverridesNodeMode(t *testing.T) {
	e := newEnforcer(t)
	e.Config.AppModes = map[string]nodeconfig.Mode{"electrs": nodeconfig.Audit}
	result, err := e.Enforce(Request{Command: "create", Config: testconfig.Podman()})
	if err != nil {
		t.Fatalf("Enforce: %v", err)
	}
	if result.Changed {
		t.Error("app in audit mode had its config changed")
	}
}

func TestEnforceAppAuditModeStillRejectsPrivileged(t *testing.T) {
	e := newEnforcer(t)
	e.Config.AppModes = map[string]nodeconfig.Mode{"electrs": nodeconfig.Audit}
	spec := testconfig.PodmanSpec(t)
	spec.Annotations[policy.PodmanPrivilegedAnnotation] = "TRUE"

	_, err := e.Enforce(Request{Command: "create", Config: testconfig.Encode(t, spec)})
	var rejection *Rejection
	if !errors.As(err, &rejection) {
		t.Fatalf("Enforce error = %v, want a rejection", err)
	}
	if !strings.Contains(rejection.Message, "audit mode") {
		t.Errorf("message = %q, want it to explain the app's audit mode", rejection.Message)
	}
}

func TestEnforceRejects(t *testing.T) {
	privileged := testconfig.PodmanSpec(t)
	privileged.Annotations[policy.PodmanPrivilegedAnnotation] = "TRUE"
	unknownApp := testconfig.PodmanSpec(t)
	unknownApp.Annotations["org.archipelago.app"] = "lnd"
	traversal := testconfig.PodmanSpec(t)
	traversal.Annotations["org.archipelago.app"] = "../etc/passwd"
	unmanaged := testconfig.PodmanSpec(t)
	delete(unmanaged.Annotations, "org.archipelago.app")

	cases := []struct {
		name      string
		config    []byte
		configure func(*nodeconfig.Config)
		message   string
	}{
		{"privileged", testconfig.Encode(t, privileged), nil,
			"io.podman.annotations.privileged: TRUE"},
		{"missing manifest", testconfig.Encode(t, unknownApp), nil,
			`no manifest for app "lnd" (annotation org.archipelago.app)`},
		{"path traversal in app id", testconfig.Encode(t, traversal), nil, "../etc/passwd"},
		{"unmanaged on a rejecting node", testconfig.Encode(t, unmanaged),
			func(c *nodeconfig.Config) { c.Unmanaged = nodeconfig.UnmanagedReject },
			"no org.archipelago.app annotation"},
		{"unknown field", []byte(`{"ociVersion":"1.0.2","process":{"privileged":true}}`), nil,
			`unknown field "process.privileged"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnforcer(t)
			if tc.configure != nil {
				tc.configure(e.Config)
			}
			_, err := e.Enforce(Request{Command: "create", ContainerID: testconfig.ContainerID,
				Config: tc.config})

			var rejection *Rejection
			if !errors.As(err, &rejection) {
				t.Fatalf("Enforce error = %v, want a *Rejection", err)
			}
			if !strings.Contains(rejection.Message, tc.message) {
				t.Errorf("message = %q, want it to contain %q", rejection.Message, tc.message)
			}
			if !strings.HasPrefix(rejection.Message, "seawall: rejected container f406c42a1d83") {
				t.Errorf("message = %q, want the seawall prefix and the container", rejection.Message)
			}
			if log := records(t, e); len(log) != 1 || log[0].Action != policy.Reject {
				t.Errorf("records = %+v, want one reject", log)
			}
		})
	}
}

func TestRejectionMessageIsBounded(t *testing.T) {
	spec := testconfig.PodmanSpec(t)
	spec.Annotations[policy.PodmanPrivilegedAnnotation] = "TRUE"
	spec.Process.Capabilities.Bounding = append(spec.Process.Capabilities.Bounding,
		"CAP_SYS_ADMIN", "CAP_NET_ADMIN", "CAP_SYS_PTRACE")
	spec.Linux.Namespaces = nil

	_, err := newEnforcer(t).Enforce(Request{Command: "create",
		ContainerID: testconfig.ContainerID, Config: testconfig.Encode(t, spec)})
	if err == nil {
		t.Fatal("Enforce accepted a privileged container")
	}
	if len(err.Error()) > maxMessage+100 {
		t.Errorf("message is %d bytes, want at most %d", len(err.Error()), maxMessage+100)
	}
	if !strings.Contains(err.Error(), "more: run seawall explain f406c42a1d83") {
		t.Errorf("message = %q, want a pointer to seawall explain", err)
	}
}

func TestEnforceRejectsWhenDecisionCannotBeRecorded(t *testing.T) {
	e := newEnforcer(t)
	e.Config.DecisionLog = t.TempDir() // a directory cannot be appended to
	_, err := e.Enforce(Request{Command: "create", Config: testconfig.Podman()})

	var rejection *Rejection
	if !errors.As(err, &rejection) {
		t.Fatalf("Enforce error = %v, want a *Rejection", err)
	}
	if !strings.Contains(rejection.Message, "decision log") {
		t.Errorf("message = %q, want it to name the decision log", rejection.Message)
	}
}

func TestEnforceExecProcess(t *testing.T) {
	process := `{"user":{"uid":0,"gid":0},"args":["id"],"cwd":"/",` +
		`"capabilities":{"bounding":["CAP_SYS_ADMIN","CAP_NET_BIND_SERVICE"],` +
		`"effective":["CAP_SYS_ADMIN"]}}`
	e := newEnforcer(t)
	first, err := e.Enforce(Request{Command: "create", Config: testconfig.Podman()})
	if err != nil {
		t.Fatal(err)
	}

	result, err := e.Enforce(Request{Command: "exec", Config: first.Output,
		Process: []byte(process)})
	if err != nil {
		t.Fatalf("Enforce exec: %v", err)
	}
	want := `{"user":{"uid":1001,"gid":1001},"args":["id"],"cwd":"/",` +
		`"capabilities":{"bounding":["CAP_NET_BIND_SERVICE"],"effective":[]},` +
		`"noNewPrivileges":true}`
	if string(result.Output) != want {
		t.Errorf("exec process =\n%s\nwant\n%s", result.Output, want)
	}
}
