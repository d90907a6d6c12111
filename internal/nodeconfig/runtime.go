package nodeconfig

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// runtimeDirs are the directories searched for crun and runc when the
// configuration names no runtime. PATH is not searched: seawall-runtime is itself
// installed on PATH under a runtime's name on some nodes, and must never find
// itself.
var runtimeDirs = []string{"/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/bin",
	"/sbin"}

// findRuntime checks the configured runtime, or picks one with DefaultRuntime
// when none is configured. Finding none leaves Runtime empty, so that commands
// which never start a container still work; RealRuntime reports it.
func (c *Config) findRuntime() error {
	if c.Runtime != "" {
		if !filepath.IsAbs(c.Runtime) {
			return fmt.Errorf("runtime: %q is not an absolute path; "+
				"give the full path, such as /usr/bin/crun", c.Runtime)
		}
		return checkExecutable(c.Runtime)
	}
	c.Runtime = DefaultRuntime()
	return nil
}

// DefaultRuntime returns crun, else runc, from runtimeDirs, or "" when neither
// is there. On a host with a hybrid cgroup layout, which crun 1.8 refuses, runc
// comes first.
func DefaultRuntime() string {
	order := []string{"crun", "runc"}
	if HybridCgroups() {
		order = []string{"runc", "crun"}
	}
	for _, name := range order {
		for _, dir := range runtimeDirs {
			candidate := filepath.Join(dir, name)
			if checkExecutable(candidate) == nil {
				return candidate
			}
		}
	}
	return ""
}

// HybridCgroups reports whether cgroup2 is mounted at /sys/fs/cgroup/unified
// beside the cgroup v1 controllers.
func HybridCgroups() bool {
	file, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	defer file.Close()
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) > 4 && fields[4] == "/sys/fs/cgroup/unified" {
			return true
		}
	}
	return false
}

// RealRuntime returns the runtime that seawall hands containers to.
func (c *Config) RealRuntime() (string, error) {
	if c.Runtime == "" {
		return "", fmt.Errorf("no OCI runtime: neither crun nor runc found in %v; "+
			"install one or set runtime in %s to its absolute path", runtimeDirs, c.source())
	}
	return c.Runtime, nil
}

func (c *Config) source() string {
	if c.Path == "" {
		return DefaultPath
	}
	return c.Path
}

func checkExecutable(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("runtime: %w", err)
	}
	if !info.Mode().IsRegular() || info.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("runtime: %q is not an executable file", path)
	}
	return nil
}
