package hook

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seawall/seawall/internal/testconfig"
)

// testNode writes a node configuration with the electrs manifest and returns
// the configuration file and the decision log.
func testNode(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	apps := filepath.Join(dir, "apps")
	if err := os.Mkdir(apps, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(apps, "electrs.yaml"), testconfig.ManifestYAML)
	log := filepath.Join(dir, "decisions.jsonl")
	config := filepath.Join(dir, "config.yaml")
	write(t, config, "manifests_dir: "+apps+"\ndecision_log: "+log+"\nsyslog_socket: \"\"\n")
	return config, log
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runHook runs Main and returns the exit status, stdout and stderr.
func runHook(t *testing.T, config string, stdin io.Reader, stage string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main([]string{"--config", config, stage}, stdin, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestPrecreateWritesOneTightenedDocument(t *testing.T) {
	config, _ := testNode(t)
	code, stdout, stderr := runHook(t, config, bytes.NewReader(testconfig.Podman()),
		StagePrecreate)
	if code != 0 {
		t.Fatalf("exit = %d, stderr: %s", code, stderr)
	}

	decoder := json.NewDecoder(strings.NewReader(stdout))
	var spec struct {
		Root struct{ Readonly bool } `json:"root"`
	}
	if err := decoder.Decode(&spec); err != nil {
		t.Fatalf("stdout is not a JSON document: %v", err)
	}
	if !spec.Root.Readonly {
		t.Error("stdout config has a writable root")
	}
	if _, err := decoder.Token(); err != io.EOF {
		t.Errorf("stdout holds more than one document: %v", err)
	}
	if stderr != "" {
		t.Errorf("stderr = %q, want nothing for an accepted container", stderr)
	}
}

func TestPrecreatePassesCompliantInputUnchanged(t *testing.T) {
	config, _ := testNode(t)
	_, tightened, _ := runHook(t, config, bytes.NewReader(testconfig.Podman()), StagePrecreate)
	code, stdout, _ := runHook(t, config, strings.NewReader(tightened), StagePrecreate)
	if code != 0 || stdout != tightened {
		t.Errorf("exit %d; a compliant config came back changed", code)
	}
}

func TestPrecreateRejectsBadInput(t *testing.T) {
	podman := string(testconfig.Podman())
	privileged := strings.Replace(podman, `"io.podman.annotations.privileged":"FALSE"`,
		`"io.podman.annotations.privileged":"TRUE"`, 1)
	cases := map[string]io.Reader{
		"empty stdin":      strings.NewReader(""),
		"two documents":    strings.NewReader(podman + podman),
		"trailing garbage": strings.NewReader(podman + "}x"),
		"huge stdin":       io.LimitReader(zeros{}, MaxInput+10),
		"privileged":       strings.NewReader(privileged),
		"unknown field":    strings.NewReader(`{"ociVersion":"1.0.2","privileged":true}`),
	}
	for name, stdin := range cases {
		t.Run(name, func(t *testing.T) {
			config, log := testNode(t)
			code, stdout, stderr := runHook(t, config, stdin, StagePrecreate)
			if code == 0 {
				t.Fatal("precreate accepted the input")
			}
			if stdout != "" {
				t.Errorf("stdout = %.80q, want nothing on rejection", stdout)
			}
			if !strings.HasPrefix(stderr, "seawall: rejected") {
				t.Errorf("stderr = %q, want the rejection", stderr)
			}
			if data, _ := os.ReadFile(log); !bytes.Contains(data, []byte(`"action":"reject"`)) {
				t.Error("the rejection is not in the decision log")
			}
		})
	}
}

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestReadInputDrainsPastTheLimit(t *testing.T) {
	reader := &countingReader{r: io.LimitReader(zeros{}, 5000)}
	_, err := ReadInput(reader, 100)
	if err == nil || !strings.Contains(err.Error(), "larger than 100 bytes") {
		t.Errorf("error = %v, want the input to be too large", err)
	}
	if reader.n != 5000 {
		t.Errorf("read %d bytes, want all 5000 so that the writer never blocks", reader.n)
	}

	data, err := ReadInput(strings.NewReader("abc"), 3)
	if err != nil || string(data) != "abc" {
		t.Errorf("ReadInput at the limit = %q, %v", data, err)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestHookTimesOutOnOpenStdin(t *testing.T) {
	config, log := testNode(t)
	Deadline = 200 * time.Millisecond
	defer func() { Deadline = 20 * time.Second }()
	// The writer stays open, as an engine that never closes stdin would leave it.
	reader, _ := io.Pipe()

	code, stdout, stderr := runHook(t, config, reader, StagePrecreate)
	if code != 1 || stdout != "" {
		t.Errorf("exit %d, stdout %q; want 1 and nothing", code, stdout)
	}
	if !strings.Contains(stderr, "timed out") {
		t.Errorf("stderr = %q, want a timeout", stderr)
	}
	if data, _ := os.ReadFile(log); !bytes.Contains(data, []byte("timed out")) {
		t.Error("the timeout is not in the decision log")
	}
}

func TestPrestartChecksTheBundle(t *testing.T) {
	config, _ := testNode(t)
	compliant := filepath.Join(t.TempDir(), "bundle")
	if err := os.Mkdir(compliant, 0o755); err != nil {
		t.Fatal(err)
	}
	_, tightened, _ := runHook(t, config, bytes.NewReader(testconfig.Podman()), StagePrecreate)
	write(t, filepath.Join(compliant, "config.json"), tightened)
	lax := filepath.Join(t.TempDir(), "lax")
	if err := os.Mkdir(lax, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(lax, "config.json"), string(testconfig.Podman()))
	empty := t.TempDir()

	id := testconfig.ContainerID
	state := func(fields string) string { return `{"id":"` + id + `",` + fields + `}` }
	cases := []struct {
		name  string
		state string
		code  int
		error string
	}{
		{"compliant bundle", state(`"status":"creating","bundle":"` + compliant + `"`), 0, ""},
		{"bundlePath key", state(`"status":"created","bundlePath":"` + compliant + `"`), 0, ""},
		{"loosened config", state(`"bundle":"` + lax + `"`), 1, "no longer complies"},
		{"root as bundle", state(`"bundle":"/"`), 1, "host's root"},
		{"relative bundle", state(`"bundle":"userdata"`), 1, "not an absolute path"},
		{"missing bundle", state(`"bundle":"/nonexistent/b"`), 1, "no such file"},
		{"no config.json", state(`"bundle":"` + empty + `"`), 1, "has no config.json"},
		{"no bundle", state(`"status":"created"`), 1, "names no bundle"},
		{"not a state", `[1,2]`, 1, "invalid container state"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runHook(t, config, strings.NewReader(tc.state),
				StagePrestart)
			if code != tc.code {
				t.Fatalf("exit = %d, want %d; stderr: %s", code, tc.code, stderr)
			}
			if stdout != "" {
				t.Errorf("prestart wrote to stdout: %q", stdout)
			}
			if !strings.Contains(stderr, tc.error) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tc.error)
			}
		})
	}
}

func TestPoststartKillsMismatchedProcess(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the process under test must run as root with every capability")
	}
	config, log := testNode(t)
	bundle := t.TempDir()
	// The config has electrs's settings, but the process below runs as root with
	// every capability, which poststart must catch.
	_, tightened, _ := runHook(t, config, bytes.NewReader(testconfig.Podman()), StagePrecreate)
	tightened = strings.Replace(tightened, `"args":["sh","-c","cat /proc/self/status"]`,
		`"args":["sleep","60"]`, 1)
	write(t, filepath.Join(bundle, "config.json"), tightened)
	process := exec.Command("sleep", "60")
	if err := process.Start(); err != nil {
		t.Fatal(err)
	}
	defer process.Process.Kill()

	state, _ := json.Marshal(map[string]any{"id": "c1", "status": "running",
		"pid": process.Process.Pid, "bundle": bundle})
	code, _, stderr := runHook(t, config, bytes.NewReader(state), StagePoststart)
	if code != 1 {
		t.Fatalf("exit = %d, want 1; stderr: %s", code, stderr)
	}
	err := process.Wait()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) ||
		exitErr.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Errorf("process ended with %v, want it killed by SIGKILL", err)
	}
	data, _ := os.ReadFile(log)
	for _, want := range []string{`"layer":"poststart"`, `"action":"reject"`, "NoNewPrivs",
		"CapBnd"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("decision log lacks %s", want)
		}
	}
}

func TestHookRunsWithEmptyEnvironment(t *testing.T) {
	binary := filepath.Join(t.TempDir(), "seawall-hook")
	build := exec.Command("go", "build", "-o", binary, "../cmd/seawall-hook")
	if output, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building seawall-hook: %v\n%s", err, output)
	}
	config, _ := testNode(t)

	hook := exec.Command(binary, "--config", config, StagePrecreate)
	hook.Env = []string{}
	hook.Stdin = bytes.NewReader(testconfig.Podman())
	var stdout, stderr bytes.Buffer
	hook.Stdout, hook.Stderr = &stdout, &stderr
	if err := hook.Run(); err != nil {
		t.Fatalf("seawall-hook with no environment: %v\n%s", err, stderr.String())
	}
	if !json.Valid(stdout.Bytes()) {
		t.Errorf("stdout is not one JSON document: %.100q", stdout.String())
	}
}
