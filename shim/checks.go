package shim

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"

	"github.com/tidwall/gjson"
)

// checkInvocation rejects runtime options that give a container more than its
// config allows, which no rule can see because they are not in the config.
func checkInvocation(inv *Invocation) error {
	if value := lastValue(inv.Args, "preserve-fds"); value != "" {
		count, err := strconv.Atoi(value)
		if err != nil || count != 0 {
			return fmt.Errorf("--preserve-fds %s passes open host file descriptors into the "+
				"container, which can reach host files outside its root; remove "+
				"podman's --preserve-fds", value)
		}
	}
	// runc and crun pass $LISTEN_FDS descriptors on as well, as for socket activation.
	if fds := os.Getenv("LISTEN_FDS"); fds != "" && fds != "0" {
		return fmt.Errorf("LISTEN_FDS=%s in the runtime's environment passes open host file "+
			"descriptors into the container; unset it", fds)
	}
	if config := lastValue(inv.Args, "config"); config != "" && !filepath.IsAbs(config) {
		return fmt.Errorf("--config %q is relative, and crun resolves it against the "+
			"working directory rather than the bundle; give an absolute path", config)
	}
	return nil
}

// checkPrivate rejects a bundle directory or a config or process file that a
// user other than seawall's could write. The runtime reads the file again after
// seawall has checked it, so such a user could change it in between. owners are
// the uids allowed to own it besides seawall's own.
func checkPrivate(path string, owners ...int) error {
	info, err := os.Lstat(path)
	if err != nil {
		return err
	}
	stat, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return errors.New("reading the owner of " + path)
	}
	if int(stat.Uid) != os.Geteuid() && !slices.Contains(owners, int(stat.Uid)) {
		return fmt.Errorf("%s is owned by uid %d, not by uid %d that runs the container; "+
			"another user could change it after seawall checked it; run chown %d %s",
			path, stat.Uid, os.Geteuid(), os.Geteuid(), path)
	}
	if info.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%s is writable by group or others (mode %04o), so it could change "+
			"after seawall checked it; run chmod go-w %s", path, info.Mode().Perm(), path)
	}
	return nil
}

// containerRoot returns the host uid that a config's user namespace maps uid 0
// to, or -1 without one. Podman gives that uid the bundle of such a container.
func containerRoot(config []byte) int {
	for _, m := range gjson.GetBytes(config, "linux.uidMappings").Array() {
		if m.Get("containerID").Uint() == 0 && m.Get("size").Uint() > 0 {
			return int(m.Get("hostID").Uint())
		}
	}
	return -1
}
