package shim

import (
	"slices"
	"strings"
	"testing"
)

func TestParseBundleSpellings(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		bundle string
	}{
		{"long flag and value", []string{"create", "--bundle", "/b", "c1"}, "/b"},
		{"long flag with equals", []string{"create", "--bundle=/b", "c1"}, "/b"},
		{"short flag and value", []string{"create", "-b", "/b", "c1"}, "/b"},
		{"short flag with equals", []string{"create", "-b=/b", "c1"}, "/b"},
		{"single-dash long flag", []string{"create", "-bundle", "/b", "c1"}, "/b"},
		{"flag after the id", []string{"create", "c1", "--bundle", "/b"}, "/b"},
		{"relative bundle", []string{"create", "--bundle", "b", "c1"}, "/work/b"},
		{"working directory", []string{"create", "c1"}, "/work"},
		{"run", []string{"run", "-d", "--bundle", "/b", "c1"}, "/b"},
		{"restore", []string{"restore", "--image-path", "/i", "-b", "/b", "c1"}, "/b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inv, err := Parse(tc.args, "/work")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if inv.Bundle != tc.bundle {
				t.Errorf("bundle = %q, want %q", inv.Bundle, tc.bundle)
			}
			if inv.ConfigFile != tc.bundle+"/config.json" {
				t.Errorf("config file = %q, want %q", inv.ConfigFile, tc.bundle+"/config.json")
			}
			if inv.ContainerID != "c1" {
				t.Errorf("container id = %q, want c1", inv.ContainerID)
			}
		})
	}
}

func TestParseGlobalFlags(t *testing.T) {
	args := []string{"--root", "/run/r", "--log=/l.json", "--log-format", "json", "--debug",
		"--systemd-cgroup", "--seawall-config=/etc/s.yaml", "create", "-b", "/b", "c1"}
	inv, err := Parse(args, "/")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checks := map[string][2]string{
		"root":           {inv.Root(), "/run/r"},
		"log":            {inv.Log(), "/l.json"},
		"log format":     {inv.LogFormat(), "json"},
		"seawall config": {inv.SeawallConfig(), "/etc/s.yaml"},
		"command":        {inv.Command, "create"},
	}
	for name, pair := range checks {
		if pair[0] != pair[1] {
			t.Errorf("%s = %q, want %q", name, pair[0], pair[1])
		}
	}

	want := []string{"--root", "/run/r", "--log=/l.json", "--log-format", "json", "--debug",
		"--systemd-cgroup", "create", "--bundle=/b", "c1"}
	if got := inv.RuntimeArgs(); !slices.Equal(got, want) {
		t.Errorf("RuntimeArgs = %q\nwant %q", got, want)
	}
}

func TestParsePassesOtherCommandsUnchanged(t *testing.T) {
	cases := [][]string{
		{"delete", "--force", "c1"},
		{"kill", "c1", "9"},
		{"state", "c1"},
		{"--version"},
		{"features"},
		{"ps", "--format", "json", "c1"},
		{"update", "--memory", "1g", "--unknown-flag", "c1"},
	}
	for _, args := range cases {
		inv, err := Parse(append([]string{"--seawall-config", "/s.yaml"}, args...), "/")
		if err != nil {
			t.Errorf("Parse(%q): %v", args, err)
			continue
		}
		if inv.Enforced() {
			t.Errorf("Parse(%q) marked %q as enforced", args, inv.Command)
		}
		if got := inv.RuntimeArgs(); !slices.Equal(got, args) {
			t.Errorf("RuntimeArgs = %q, want %q", got, args)
		}
	}
}

func TestParseCrunConfigFlag(t *testing.T) {
	cases := map[string][]string{
		"/b/other.json":   {"create", "--config", "other.json", "-b", "/b", "c1"},
		"/abs/other.json": {"create", "-f", "/abs/other.json", "-b", "/b", "c1"},
	}
	for want, args := range cases {
		inv, err := Parse(args, "/")
		if err != nil {
			t.Fatalf("Parse(%q): %v", args, err)
		}
		if inv.ConfigFile != want {
			t.Errorf("Parse(%q) config file = %q, want %q", args, inv.ConfigFile, want)
		}
	}
}

func TestParseExec(t *testing.T) {
	args := []string{"exec", "--process", "p.json", "--detach", "--pid-file", "/p", "c1"}
	inv, err := Parse(args, "/bundle")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if inv.ProcessFile != "/bundle/p.json" {
		t.Errorf("process file = %q", inv.ProcessFile)
	}
	if inv.ContainerID != "c1" {
		t.Errorf("container id = %q", inv.ContainerID)
	}

	args = []string{"exec", "-u", "0", "--cap", "CAP_SYS_ADMIN", "c1", "sh", "-c", "id -u"}
	inv, err = Parse(args, "/")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if !slices.Equal(inv.Trailing, []string{"sh", "-c", "id -u"}) {
		t.Errorf("command = %q: flags after the container id belong to the command",
			inv.Trailing)
	}
	want := []string{"exec", "--user=0", "--cap=CAP_SYS_ADMIN", "c1", "sh", "-c", "id -u"}
	if got := inv.RuntimeArgs(); !slices.Equal(got, want) {
		t.Errorf("RuntimeArgs = %q, want %q", got, want)
	}
}

func TestParseRejects(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		message string
	}{
		{"unknown global flag", []string{"--frobnicate", "create", "c1"}, "unsupported flag"},
		{"unknown create flag", []string{"create", "--privileged", "c1"}, "unsupported flag"},
		{"short flag cluster", []string{"run", "-db", "/b", "c1"}, "unsupported flag"},
		{"abbreviated long flag", []string{"create", "--bund", "/b", "c1"}, "unsupported flag"},
		{"missing value", []string{"create", "c1", "--bundle"}, "needs a value"},
		{"bundle twice", []string{"create", "-b", "/a", "--bundle", "/b", "c1"},
			"given 2 times"},
		{"process twice", []string{"exec", "-p", "/a", "-p", "/b", "c1"}, "given 2 times"},
		{"no container id", []string{"create", "-b", "/b"}, "exactly one container id"},
		{"two container ids", []string{"create", "c1", "c2"}, "exactly one container id"},
		{"exec without id", []string{"exec", "--tty"}, "missing container id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.args, "/")
			if err == nil {
				t.Fatal("Parse accepted the command line")
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error = %q, want it to contain %q", err, tc.message)
			}
		})
	}
}

func TestParseDoubleDash(t *testing.T) {
	inv, err := Parse([]string{"create", "--bundle", "/b", "--", "-c1"}, "/")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if inv.ContainerID != "-c1" {
		t.Errorf("container id = %q, want -c1", inv.ContainerID)
	}
}
