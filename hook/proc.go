package hook

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// procRoot is the directory of the process files.
const procRoot = "/proc"

// processStatus is the part of /proc/PID/status that poststart checks.
type processStatus struct {
	uids       [4]uint32 // real, effective, saved, filesystem
	gids       [4]uint32
	noNewPrivs int
	seccomp    int
	caps       map[string]uint64 // CapInh, CapPrm, CapEff, CapBnd, CapAmb
}

// readStatus parses /proc/PID/status. Every field checked must be present, since
// a missing one would pass unchecked.
func readStatus(pid int) (*processStatus, error) {
	data, err := os.ReadFile(fmt.Sprintf("%s/%d/status", procRoot, pid))
	if err != nil {
		return nil, err
	}
	s := &processStatus{noNewPrivs: -1, seccomp: -1, caps: map[string]uint64{}}
	seen := map[string]bool{}
	scanner := bufio.NewScanner(bytes.NewReader(data))
	for scanner.Scan() {
		key, value, _ := strings.Cut(scanner.Text(), ":")
		if err := s.set(key, strings.Fields(value)); err != nil {
			return nil, fmt.Errorf("%s/%d/status: %s: %w", procRoot, pid, key, err)
		}
		seen[key] = true
	}
	for _, key := range []string{"Uid", "Gid", "NoNewPrivs", "Seccomp", "CapInh", "CapPrm",
		"CapEff", "CapBnd", "CapAmb"} {
		if !seen[key] {
			return nil, fmt.Errorf("%s/%d/status has no %s line", procRoot, pid, key)
		}
	}
	return s, nil
}

func (s *processStatus) set(key string, fields []string) error {
	var err error
	switch key {
	case "Uid":
		s.uids, err = parseIDs(fields)
	case "Gid":
		s.gids, err = parseIDs(fields)
	case "NoNewPrivs":
		s.noNewPrivs, err = parseInt(fields)
	case "Seccomp":
		s.seccomp, err = parseInt(fields)
	case "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb":
		if len(fields) != 1 {
			return fmt.Errorf("expected one mask, found %q", fields)
		}
		s.caps[key], err = strconv.ParseUint(fields[0], 16, 64)
	}
	return err
}

func parseIDs(fields []string) ([4]uint32, error) {
	var ids [4]uint32
	if len(fields) != 4 {
		return ids, fmt.Errorf("expected 4 ids, found %q", fields)
	}
	for i, field := range fields {
		id, err := strconv.ParseUint(field, 10, 32)
		if err != nil {
			return ids, err
		}
		ids[i] = uint32(id)
	}
	return ids, nil
}

func parseInt(fields []string) (int, error) {
	if len(fields) != 1 {
		return 0, fmt.Errorf("expected one number, found %q", fields)
	}
	return strconv.Atoi(fields[0])
}

// rootMountOptions returns the per-mount options of the process's root mount,
// the last mount on "/" in /proc/PID/mountinfo, since later mounts cover earlier.
func rootMountOptions(pid int) ([]string, error) {
	data, err := os.ReadFile(fmt.Sprintf("%s/%d/mountinfo", procRoot, pid))
	if err != nil {
		return nil, err
	}
	var options []string
	found := false
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) > 5 && fields[4] == "/" {
			options, found = strings.Split(fields[5], ","), true
		}
	}
	if !found {
		return nil, fmt.Errorf("%s/%d/mountinfo has no mount on /", procRoot, pid)
	}
	return options, nil
}

// commandLine returns the process's argv from /proc/PID/cmdline.
func commandLine(pid int) ([]string, error) {
	data, err := os.ReadFile(fmt.Sprintf("%s/%d/cmdline", procRoot, pid))
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimSuffix(string(data), "\x00"), "\x00"), nil
}
