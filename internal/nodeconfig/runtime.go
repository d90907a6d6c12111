package nodeconfig

import (
	"fmt"
	"os"
	"path/filepath"
)

// runtimeDirs are the directories searched for crun and runc when the
// configuration names no runtime. PATH is not searched: seawall-runtime is itself
// installed on PATH under a runtime's name on some nodes, and must never find
// itself.
var runtimeDirs = []string{"/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/bin",
	"/sbin"}

// findRuntime checks the configured runtime, or picks crun and then runc from
// runtimeDirs when none is configured. Finding neither leaves Runtime empty, so
// that commands which never start a container still work; RealRuntime reports it.
func (c *Config) findRuntime() error {
	if c.Runtime != "" {
		if !filepath.IsAbs(c.Runtime) {
			return fmt.Errorf("runtime: %q is not an absolute path; "+
				"give the full path, such as /usr/bin/crun", c.Runtime)
		}
		return checkExecutable(c.Runtime)
	}

	for _, name := range []string{"crun", "runc"} {
		for _, dir := range runtimeDirs {
			candidate := filepath.Join(dir, name)
			if checkExecutable(candidate) == nil {
				c.Runtime = candidate
				return nil
			}
		}
	}
	return nil
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
