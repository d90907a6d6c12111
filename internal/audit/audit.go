// Package audit writes and reads seawall's decision log: one JSON line per
// decision, with every finding and the manifest's reasons for the relaxations in
// force.
package audit

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/seawall/seawall/internal/policy"
)

// Record is one decision about one container or exec process.
type Record struct {
	// Time is when the decision was made, in UTC.
	Time time.Time `json:"time"`
	// Layer is the program that decided: "runtime" or a hook stage such as "precreate".
	Layer string `json:"layer"`
	// Command is the runtime subcommand or hook stage that was evaluated.
	Command string `json:"command"`
	// ContainerID is the container's id, when the caller passed it.
	ContainerID string `json:"container_id,omitempty"`
	// ContainerName is the engine's name for the container, when known.
	ContainerName string `json:"container_name,omitempty"`
	// Bundle is the container's bundle directory, when known.
	Bundle string `json:"bundle,omitempty"`
	// App is the app id from the container's annotation; empty for unmanaged ones.
	App string `json:"app,omitempty"`
	// Manifest is the manifest file the decision used; empty for the node default.
	Manifest string `json:"manifest,omitempty"`
	// Mode is the mode in force: enforce, or audit, in which nothing was changed.
	Mode string `json:"mode"`
	// Action is the decision: ok, tighten or reject.
	Action policy.Action `json:"action"`
	// Error describes a failure that rejected the container before any rule ran.
	Error string `json:"error,omitempty"`
	// Findings are the rules' findings.
	Findings []policy.Finding `json:"findings,omitempty"`
	// Edits are the changes seawall made, one per line, such as "set root.readonly = true".
	Edits []string `json:"edits,omitempty"`
}

// Log appends records to the decision log file.
type Log struct {
	// Path is the log file. Its directory is created when missing.
	Path string
}

// Append writes one record as one line. It holds an exclusive lock on the file
// while writing, so records from concurrent containers never interleave, and it
// syncs the file before returning: a decision that cannot be recorded must not
// take effect.
func (l *Log) Append(record Record) error {
	line, err := json.Marshal(bounded(record))
	if err != nil {
		return fmt.Errorf("encoding decision record: %w", err)
	}
	line = append(line, '\n')

	if err := os.MkdirAll(filepath.Dir(l.Path), 0o750); err != nil {
		return fmt.Errorf("creating decision log directory: %w", err)
	}
	file, err := os.OpenFile(l.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW,
		0o640)
	if err != nil {
		return fmt.Errorf("opening decision log: %w", err)
	}
	defer file.Close()

	if err := syscall.Flock(int(file.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("locking decision log %q: %w", l.Path, err)
	}
	if _, err := file.Write(line); err != nil {
		return fmt.Errorf("writing decision log %q: %w", l.Path, err)
	}
	if err := file.Sync(); err != nil {
		return fmt.Errorf("syncing decision log %q: %w", l.Path, err)
	}
	return nil
}

// Find returns, oldest first, the records of the container whose id equals id or
// starts with it, or whose name equals id. It returns an error when no record
// matches or when id matches more than one container.
func (l *Log) Find(id string) ([]Record, error) {
	if strings.TrimSpace(id) == "" {
		return nil, errors.New("empty container id")
	}
	file, err := os.Open(l.Path)
	if err != nil {
		return nil, fmt.Errorf("reading decision log: %w", err)
	}
	defer file.Close()

	byContainer := map[string][]Record{}
	var exact string
	err = scan(file, func(r *Record) {
		if r.ContainerID == "" {
			return
		}
		if r.ContainerID == id || (r.ContainerName != "" && r.ContainerName == id) {
			exact = r.ContainerID
		}
		if exact == r.ContainerID || strings.HasPrefix(r.ContainerID, id) ||
			r.ContainerName == id {
			byContainer[r.ContainerID] = append(byContainer[r.ContainerID], *r)
		}
	})
	if err != nil {
		return nil, err
	}
	if exact != "" {
		return byContainer[exact], nil
	}
	switch len(byContainer) {
	case 0:
		return nil, fmt.Errorf("no decision recorded for container %q in %s", id, l.Path)
	case 1:
		for _, records := range byContainer {
			return records, nil
		}
	}
	return nil, fmt.Errorf("container id %q matches %d containers in %s; give more of the id",
		id, len(byContainer), l.Path)
}

// maxField is the longest text, in bytes, a record keeps of one finding field.
// A config's values reach the record through the findings, and a caller could
// otherwise make one record as large as the config.
const maxField = 2048

// bounded returns the record with every long text cut to maxField bytes.
func bounded(r Record) Record {
	cut := func(s string) string {
		if len(s) <= maxField {
			return s
		}
		return strings.ToValidUTF8(s[:maxField], "") + "..."
	}
	r.Error = cut(r.Error)
	findings := make([]policy.Finding, len(r.Findings))
	for i, f := range r.Findings {
		f.Have, f.Allowed, f.Fix, f.Reason = cut(f.Have), cut(f.Allowed), cut(f.Fix), cut(f.Reason)
		findings[i] = f
	}
	r.Findings = findings
	return r
}

// scan calls visit for every record in r, skipping none: a line that is not a
// record is an error, since the log is seawall's own. Lines may be of any length.
func scan(r io.Reader, visit func(*Record)) error {
	reader := bufio.NewReader(r)
	for line := 1; ; line++ {
		data, err := reader.ReadBytes('\n')
		if len(data) > 0 {
			var record Record
			if err := json.Unmarshal(data, &record); err != nil {
				return fmt.Errorf("decision log line %d: %w", line, err)
			}
			visit(&record)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
