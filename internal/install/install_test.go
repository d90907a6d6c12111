package install

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fakeBinaries writes stand-ins for the three binaries Install copies.
func fakeBinaries(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range Binaries {
		content := "#!/bin/sh\necho " + name + " \"$@\"\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func actions(changes []Change) map[string]string {
	byPath := map[string]string{}
	for _, c := range changes {
		byPath[c.Path] = c.Action
	}
	return byPath
}

func TestInstallWritesEveryFile(t *testing.T) {
	root := t.TempDir()
	changes, err := Install(Options{Root: root, BinDir: fakeBinaries(t), DefaultRuntime: true})
	if err != nil {
		t.Fatalf("Install: %v", err)
	}
	got := actions(changes)
	for _, rel := range []string{"usr/local/bin/seawall-hook", "usr/local/bin/seawall-runtime",
		"usr/share/containers/oci/hooks.d/zz-seawall-precreate.json",
		"usr/share/containers/oci/hooks.d/seawall-prestart.json",
		"usr/share/containers/oci/hooks.d/seawall-poststart.json",
		"etc/containers/containers.conf.d/seawall.conf", "etc/seawall/config.yaml",
		"etc/seawall/apps"} {
		if got[filepath.Join(root, rel)] != "created" {
			t.Errorf("%s: %q, want created", rel, got[filepath.Join(root, rel)])
		}
	}

	var hook hookFile
	data, _ := os.ReadFile(filepath.Join(root,
		"usr/share/containers/oci/hooks.d/seawall-poststart.json"))
	if err := json.Unmarshal(data, &hook); err != nil {
		t.Fatalf("hook definition: %v", err)
	}
	if hook.Version != "1.0.0" || !hook.When.Always || hook.Stages[0] != "poststart" ||
		hook.Hook.Path != filepath.Join(root, "usr/local/bin/seawall-hook") {
		t.Errorf("hook definition = %+v", hook)
	}
	wantArgs := []string{"seawall-hook", "--config", filepath.Join(root, "etc/seawall/config.yaml"),
		"poststart"}
	if strings.Join(hook.Hook.Args, " ") != strings.Join(wantArgs, " ") {
		t.Errorf("hook args = %q, want %q", hook.Hook.Args, wantArgs)
	}

	dropIn, _ := os.ReadFile(filepath.Join(root, "etc/containers/containers.conf.d/seawall.conf"))
	for _, want := range []string{`runtime = "seawall"`, "[engine.runtimes]",
		`seawall = ["` + filepath.Join(root, "usr/local/libexec/seawall/seawall-runtime") + `"]`} {
		if !strings.Contains(string(dropIn), want) {
			t.Errorf("drop-in lacks %s:\n%s", want, dropIn)
		}
	}
}

func TestInstallUnderRootWritesLauncher(t *testing.T) {
	root := t.TempDir()
	if _, err := Install(Options{Root: root, BinDir: fakeBinaries(t)}); err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join(root, "usr/local/libexec/seawall/seawall-runtime"))
	if err != nil {
		t.Fatalf("reading the launcher: %v", err)
	}
	want := "exec '" + filepath.Join(root, "usr/local/bin/seawall-runtime") +
		"' '--seawall-config=" + filepath.Join(root, "etc/seawall/config.yaml") + `' "$@"`
	if !strings.Contains(string(script), want) {
		t.Errorf("launcher:\n%s\nwant the line %s", script, want)
	}
}

func TestLauncherQuotesPaths(t *testing.T) {
	root := filepath.Join(t.TempDir(), "a b $(touch pwned) 'q'")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Install(Options{Root: root, BinDir: fakeBinaries(t)}); err != nil {
		t.Fatal(err)
	}
	launcher := filepath.Join(root, "usr/local/libexec/seawall/seawall-runtime")
	output, err := exec.Command(launcher, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("launcher: %v\n%s", err, output)
	}
	if _, err := os.Stat("pwned"); err == nil {
		os.Remove("pwned")
		t.Error("the launcher ran a command substitution from the install root")
	}
	if !strings.Contains(string(output), "seawall-runtime") {
		t.Errorf("launcher output = %q, want the fake seawall-runtime's", output)
	}
}

func TestInstallFilesAreRootOwned(t *testing.T) {
	root := t.TempDir()
	if _, err := Install(Options{Root: root, BinDir: fakeBinaries(t)}); err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"etc/seawall", "etc/seawall/apps", "etc/seawall/config.yaml",
		"usr/local/bin/seawall-hook", "usr/share/containers/oci/hooks.d/seawall-prestart.json"} {
		info, err := os.Stat(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm()&0o022 != 0 {
			t.Errorf("%s mode %v is writable by group or others", rel, info.Mode().Perm())
		}
		if stat := info.Sys().(*syscall.Stat_t); stat.Uid != 0 || stat.Gid != 0 {
			t.Errorf("%s owner %d:%d, want root", rel, stat.Uid, stat.Gid)
		}
	}
}

func TestInstallIsIdempotent(t *testing.T) {
	root, bin := t.TempDir(), fakeBinaries(t)
	if _, err := Install(Options{Root: root, BinDir: bin}); err != nil {
		t.Fatal(err)
	}
	changes, err := Install(Options{Root: root, BinDir: bin})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		if c.Action != "unchanged" && !strings.HasSuffix(c.Path, "installed.json") {
			t.Errorf("second install: %s", c)
		}
	}

	// A new binary is updated; the admin's edited configuration is kept.
	os.WriteFile(filepath.Join(bin, "seawall-hook"), []byte("#!/bin/sh\n# v2\n"), 0o755)
	config := filepath.Join(root, "etc/seawall/config.yaml")
	os.WriteFile(config, []byte("mode: audit\n"), 0o644)
	changes, err = Install(Options{Root: root, BinDir: bin})
	if err != nil {
		t.Fatal(err)
	}
	got := actions(changes)
	hook := filepath.Join(root, "usr/local/bin/seawall-hook")
	if got[hook] != "updated" {
		t.Errorf("changed binary: %q, want updated", got[hook])
	}
	if got[config] != "kept" {
		t.Errorf("edited configuration: %q, want kept", got[config])
	}
	if data, _ := os.ReadFile(config); string(data) != "mode: audit\n" {
		t.Error("install overwrote the admin's configuration")
	}
}

func TestUninstallRemovesExactlyWhatInstallWrote(t *testing.T) {
	root := t.TempDir()
	other := filepath.Join(root, "usr/share/containers/oci/hooks.d/other-hook.json")
	if err := os.MkdirAll(filepath.Dir(other), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(other, []byte("{}"), 0o644)
	if _, err := Install(Options{Root: root, BinDir: fakeBinaries(t)}); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(root, "etc/seawall/apps/electrs.yaml")
	os.WriteFile(manifest, []byte("id: electrs\n"), 0o644)

	changes, err := Uninstall(Options{Root: root})
	if err != nil {
		t.Fatalf("Uninstall: %v", err)
	}
	got := actions(changes)
	apps := filepath.Join(root, "etc/seawall/apps")
	if got[apps] != "kept" {
		t.Errorf("apps directory with a manifest: %q, want kept", got[apps])
	}
	for _, path := range []string{other, manifest} {
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s, which install did not write, is gone", path)
		}
	}
	for _, rel := range []string{"usr/local/bin", "etc/containers", "var/lib/seawall",
		"usr/share/containers/oci/hooks.d/seawall-prestart.json"} {
		if _, err := os.Stat(filepath.Join(root, rel)); !os.IsNotExist(err) {
			t.Errorf("%s is still there after uninstall", rel)
		}
	}
	if changes, err := Uninstall(Options{Root: root}); err != nil || len(changes) != 0 {
		t.Errorf("second uninstall = %v, %v; want nothing to do", changes, err)
	}
}

func TestInstallRejectsRelativePaths(t *testing.T) {
	if _, err := Install(Options{Root: "relative", BinDir: fakeBinaries(t)}); err == nil {
		t.Error("Install accepted a relative root")
	}
	if _, err := Install(Options{Root: t.TempDir(), HooksDir: "hooks.d",
		BinDir: fakeBinaries(t)}); err == nil {
		t.Error("Install accepted a relative hooks directory")
	}
	if _, err := Install(Options{Root: t.TempDir(), BinDir: t.TempDir()}); err == nil ||
		!strings.Contains(err.Error(), "make build") {
		t.Errorf("Install without binaries: %v, want a hint to build them", err)
	}
}
