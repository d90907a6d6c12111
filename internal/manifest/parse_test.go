package manifest

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// testDigest is a syntactically valid sha256 digest that belongs to no image.
var testDigest = "sha256:" + strings.Repeat("0a", 32)

// baseline is a valid manifest for webapp.yaml. Each Parse case changes one
// thing in it; the line numbers in the cases refer to these lines.
var baseline = `manifest_version: 1
id: webapp
version: "0.10.5"
image: registry.example/webapp:0.10.5@` + testDigest + `
security:
  readonly_root: true
  no_new_privileges: true
  user: "1001:1001"
  capabilities:
    - name: NET_BIND_SERVICE
      reason: serves its web interface on port 80
  seccomp_profile: default
volumes:
  - name: data
    path: /data
devices:
  - path: /dev/net/tun
    reason: opens a TUN interface for its VPN client
`

// expected is one problem a case expects: its position, key path and a part of
// its message.
type expected struct {
	line, column int
	key, message string
}

// edit returns baseline with old, which must occur exactly once, replaced by new.
func edit(t *testing.T, old, new string) string {
	t.Helper()
	if n := strings.Count(baseline, old); n != 1 {
		t.Fatalf("baseline contains %q %d times, want once", old, n)
	}
	return strings.Replace(baseline, old, new, 1)
}

// parseProblems parses source as webapp.yaml and returns its problems, failing
// the test when Parse returns no Problems or a manifest alongside them.
func parseProblems(t *testing.T, source string) Problems {
	t.Helper()
	m, err := Parse("webapp.yaml", []byte(source))
	if m != nil {
		t.Errorf("Parse returned a manifest along with error %v", err)
	}
	var problems Problems
	if !errors.As(err, &problems) {
		t.Fatalf("Parse error = %v (%T), want Problems", err, err)
	}
	return problems
}

// checkProblems compares problems with want, position, key and message part each.
func checkProblems(t *testing.T, problems Problems, want []expected) {
	t.Helper()
	if len(problems) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(problems), len(want), problems)
	}
	for i, w := range want {
		p := problems[i]
		if p.File != "webapp.yaml" {
			t.Errorf("problem %d: File = %q, want webapp.yaml", i, p.File)
		}
		if p.Line != w.line || p.Column != w.column {
			t.Errorf("problem %d: at %d:%d, want %d:%d (%v)", i, p.Line, p.Column,
				w.line, w.column, p)
		}
		if p.Key != w.key {
			t.Errorf("problem %d: Key = %q, want %q (%v)", i, p.Key, w.key, p)
		}
		if !strings.Contains(p.Message, w.message) {
			t.Errorf("problem %d: Message = %q, want it to contain %q", i, p.Message, w.message)
		}
		if p.Fix == "" {
			t.Errorf("problem %d: no fix (%v)", i, p)
		}
	}
}

func TestParseBaseline(t *testing.T) {
	m, err := Parse("webapp.yaml", []byte(baseline))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}

	if m.ID != "webapp" {
		t.Errorf("ID = %q, want webapp", m.ID)
	}
	if m.AppVersion != "0.10.5" {
		t.Errorf("AppVersion = %q, want 0.10.5", m.AppVersion)
	}
	if want := "registry.example/webapp:0.10.5@" + testDigest; m.Image != want {
		t.Errorf("Image = %q, want %q", m.Image, want)
	}
	if m.Source != "" {
		t.Errorf("Source = %q, want empty from Parse", m.Source)
	}
	s := m.Security
	if !s.ReadonlyRoot || s.ReadonlyRootReason != "" {
		t.Errorf("ReadonlyRoot = %v with reason %q, want true and none", s.ReadonlyRoot,
			s.ReadonlyRootReason)
	}
	if !s.NoNewPrivileges {
		t.Error("NoNewPrivileges = false, want true")
	}
	if s.UID != 1001 || s.GID != 1001 {
		t.Errorf("UID:GID = %d:%d, want 1001:1001", s.UID, s.GID)
	}
	wantCapability := Capability{Name: "CAP_NET_BIND_SERVICE",
		Reason: "serves its web interface on port 80"}
	if len(s.Capabilities) != 1 || s.Capabilities[0] != wantCapability {
		t.Errorf("Capabilities = %+v, want [%+v]", s.Capabilities, wantCapability)
	}
	if s.SeccompProfile != "default" {
		t.Errorf("SeccompProfile = %q, want default", s.SeccompProfile)
	}
	if len(m.Volumes) != 1 || m.Volumes[0] != (Volume{Name: "data", Path: "/data"}) {
		t.Errorf("Volumes = %+v, want [{data /data}]", m.Volumes)
	}
	wantDevice := Device{Path: "/dev/net/tun", Reason: "opens a TUN interface for its VPN client"}
	if len(m.Devices) != 1 || m.Devices[0] != wantDevice {
		t.Errorf("Devices = %+v, want [%+v]", m.Devices, wantDevice)
	}
}

func TestParseValidVariants(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
	}{
		{"unquoted version", `version: "0.10.5"`, "version: 0.10.5"},
		{"version in single quotes", `version: "0.10.5"`, "version: '1.20'"},
		{"image without digest", "0.10.5@" + testDigest, "0.10.5"},
		{"image on docker hub", "registry.example/webapp:0.10.5", "webapp:0.10.5"},
		{"unquoted user", `user: "1001:1001"`, "user: 1001:1001"},
		{"user 65534", `user: "1001:1001"`, `user: "65534:65534"`},
		{"largest user", `user: "1001:1001"`, `user: "4294967294:4294967294"`},
		{"no capabilities", "  capabilities:\n    - name: NET_BIND_SERVICE\n" +
			"      reason: serves its web interface on port 80\n", "  capabilities: []\n"},
		{"strict seccomp profile", "seccomp_profile: default", "seccomp_profile: strict"},
		{"flow mapping", "    - name: NET_BIND_SERVICE\n      reason: serves its web " +
			"interface on port 80\n", "    - {name: NET_BIND_SERVICE, reason: binds port 80}\n"},
		{"no volumes", "volumes:\n  - name: data\n    path: /data\n", ""},
		{"empty volumes", "volumes:\n  - name: data\n    path: /data\n", "volumes: []\n"},
		{"no devices", "devices:\n  - path: /dev/net/tun\n    reason: opens a TUN " +
			"interface for its VPN client\n", ""},
		{"comments", "security:\n", "# The app's security context.\nsecurity: # required\n"},
		{"document markers", "manifest_version: 1\n", "---\nmanifest_version: 1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse("webapp.yaml", []byte(edit(t, tt.old, tt.new))); err != nil {
				t.Errorf("Parse: %v", err)
			}
		})
	}
}

func TestParseCapabilitySpellings(t *testing.T) {
	for _, spelling := range []string{"NET_ADMIN", "net_admin", "CAP_NET_ADMIN", "cap_net_admin",
		"Net_Admin"} {
		t.Run(spelling, func(t *testing.T) {
			source := edit(t, "name: NET_BIND_SERVICE", "name: "+spelling)
			m, err := Parse("webapp.yaml", []byte(source))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := m.CapabilityNames(); len(got) != 1 || got[0] != "CAP_NET_ADMIN" {
				t.Errorf("capabilities = %v, want [CAP_NET_ADMIN]", got)
			}
		})
	}
}

func TestParseWritableRoot(t *testing.T) {
	source := edit(t, "  readonly_root: true\n", "  readonly_root: false\n"+
		"  readonly_root_reason: >\n    the image's entrypoint writes\n    its config to /app\n")
	m, err := Parse("webapp.yaml", []byte(source))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}

	if m.Security.ReadonlyRoot {
		t.Error("ReadonlyRoot = true, want false")
	}
	want := "the image's entrypoint writes its config to /app"
	if m.Security.ReadonlyRootReason != want {
		t.Errorf("ReadonlyRootReason = %q, want %q", m.Security.ReadonlyRootReason, want)
	}
}

func TestParseReasonWhitespace(t *testing.T) {
	source := edit(t, "reason: serves its web interface on port 80",
		"reason: |\n        serves its web\n        interface on port 80")
	m, err := Parse("webapp.yaml", []byte(source))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got := m.Security.Capabilities[0].Reason; got != "serves its web interface on port 80" {
		t.Errorf("Reason = %q, want the lines joined by single spaces", got)
	}
}

func TestProblemString(t *testing.T) {
	tests := []struct {
		name    string
		problem Problem
		want    string
	}{
		{"full", Problem{File: "a.yaml", Line: 7, Column: 9, Key: "security.user",
			Message: "uid 0 is not above 1000", Fix: "use a uid above 1000"},
			"a.yaml:7:9: security.user: uid 0 is not above 1000; use a uid above 1000"},
		{"whole file", Problem{File: "a.yaml", Message: "file is empty", Fix: "write one"},
			"a.yaml: file is empty; write one"},
		{"line only", Problem{File: "a.yaml", Line: 3, Message: "bad"}, "a.yaml:3: bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.problem.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestProblemsError(t *testing.T) {
	problems := Problems{
		{File: "a.yaml", Line: 1, Column: 1, Key: "id", Message: "missing", Fix: "add id"},
		{File: "a.yaml", Line: 2, Column: 5, Key: "version", Message: "empty", Fix: "add it"},
	}
	want := "a.yaml:1:1: id: missing; add id\na.yaml:2:5: version: empty; add it"
	if got := problems.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestParseFixes(t *testing.T) {
	tests := []struct {
		name, old, new, fix string
	}{
		{"quote a float", `version: "0.10.5"`, "version: 1.20", `quote it: "1.20"`},
		{"quote yes", `version: "0.10.5"`, "version: yes", `quote it: "yes"`},
		{"id from file name", "id: webapp\n", "", "add id: webapp"},
		{"misspelled key", "readonly_root: true", "readonly-root: true",
			`did you mean "readonly_root"?`},
		{"clean path", "path: /data", "path: /data//x/", `write it as "/data/x"`},
		{"unset capabilities", "  capabilities:\n    - name: NET_BIND_SERVICE\n" +
			"      reason: serves its web interface on port 80\n", "  capabilities:\n",
			"write capabilities: []"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems := parseProblems(t, edit(t, tt.old, tt.new))
			var fixes []string
			for _, p := range problems {
				fixes = append(fixes, p.Fix)
			}
			if !slices.Contains(fixes, tt.fix) {
				t.Errorf("fixes = %q, want one of them to be %q", fixes, tt.fix)
			}
		})
	}
}
