package policy

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// checkRootPath rejects a container whose root file system is the host's own
// root: the host's "/" itself, a bind mount of it, or an overlay over it, as
// podman --rootfs / and --rootfs /:O make. A relative root path is resolved
// against the bundle when the caller knows it.
func checkRootPath(in *Input) []Finding {
	if in.Spec.Root == nil || in.Spec.Root.Path == "" {
		return nil
	}
	path := in.Spec.Root.Path
	if !filepath.IsAbs(path) {
		if in.Bundle == "" {
			return nil
		}
		path = filepath.Join(in.Bundle, path)
	}
	problem := hostRootProblem(path)
	if problem == "" {
		return nil
	}
	return []Finding{{Path: "root.path", Have: fmt.Sprintf("%q, %s", in.Spec.Root.Path, problem),
		Allowed: "an image's root file system", Action: Reject,
		Fix: "run the container from an image instead of --rootfs with the host's root"}}
}

// hostRootProblem describes how path shows the host's root, or returns "".
func hostRootProblem(path string) string {
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "" // a missing root fails in the runtime
	}
	if isHostRoot(resolved) {
		return "the host's root"
	}
	for _, lower := range overlayLowerDirs(resolved) {
		if isHostRoot(lower) {
			return "an overlay over the host's root"
		}
	}
	return ""
}

func isHostRoot(path string) bool {
	info, err := os.Stat(path)
	if err != nil {
		return false
	}
	root, err := os.Stat("/")
	return err == nil && os.SameFile(info, root)
}

// overlayLowerDirs returns the lower directories of the overlay mounted at
// mountPoint, read from /proc/self/mountinfo, or nil when none is mounted there.
func overlayLowerDirs(mountPoint string) []string {
	file, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer file.Close()

	var lower []string
	scanner := bufio.NewScanner(file)
	scanner.Buffer(nil, 1<<20)
	for scanner.Scan() {
		// id parent major:minor root mount-point options ... - type source super-options
		before, after, found := strings.Cut(scanner.Text(), " - ")
		fields, tail := strings.Fields(before), strings.Fields(after)
		if !found || len(fields) < 5 || len(tail) < 3 || unescape(fields[4]) != mountPoint {
			continue
		}
		lower = nil // a later mount on the same point covers an earlier one
		if tail[0] != "overlay" {
			continue
		}
		for _, option := range strings.Split(tail[2], ",") {
			if dirs, ok := strings.CutPrefix(option, "lowerdir="); ok {
				for _, dir := range strings.Split(dirs, ":") {
					lower = append(lower, unescape(dir))
				}
			}
		}
	}
	return lower
}

// unescape decodes the octal escapes, such as \040 for a space, of mountinfo.
func unescape(field string) string {
	if !strings.Contains(field, `\`) {
		return field
	}
	var b strings.Builder
	for i := 0; i < len(field); i++ {
		if field[i] == '\\' && i+3 < len(field) {
			if value, err := strconv.ParseUint(field[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(value))
				i += 3
				continue
			}
		}
		b.WriteByte(field[i])
	}
	return b.String()
}
