package install

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// record is the list of what Install wrote, kept for Uninstall.
type record struct {
	Version int           `json:"version"`
	Entries []recordEntry `json:"entries"`
}

type recordEntry struct {
	Path string `json:"path"`
	// SHA256 is the digest of the content Install wrote; empty for a directory.
	SHA256 string `json:"sha256,omitempty"`
}

// Install writes seawall's files and returns one change per file or directory.
func Install(o Options) ([]Change, error) {
	p, err := resolvePaths(o)
	if err != nil {
		return nil, err
	}
	list, err := items(p, o)
	if err != nil {
		return nil, err
	}
	rec, err := readRecord(p.record)
	if err != nil {
		return nil, err
	}

	var changes []Change
	for _, it := range list {
		parents := missingParents(it.path)
		change, err := writeItem(it)
		if err != nil {
			return changes, err
		}
		for _, dir := range parents {
			changes = append(changes, Change{Path: dir, Action: "created"})
			rec.put(item{path: dir})
		}
		changes = append(changes, change)
		if change.Action == "created" || change.Action == "updated" || rec.has(it.path) {
			rec.put(it)
		}
	}
	for _, dir := range missingParents(p.record) {
		rec.put(item{path: dir})
		changes = append(changes, Change{Path: dir, Action: "created"})
	}
	action := "updated"
	if _, err := os.Stat(p.record); errors.Is(err, fs.ErrNotExist) {
		action = "created"
	}
	if err := writeRecord(p.record, rec); err != nil {
		return changes, err
	}
	return append(changes, Change{Path: p.record, Action: action,
		Note: "the list of what uninstall removes"}), nil
}

// Uninstall removes what Install recorded: files whose content is still what
// Install wrote, and directories it created that are now empty.
func Uninstall(o Options) ([]Change, error) {
	p, err := resolvePaths(o)
	if err != nil {
		return nil, err
	}
	rec, err := readRecord(p.record)
	if err != nil {
		return nil, err
	}
	if len(rec.Entries) == 0 {
		return nil, nil
	}

	// Files first, then the record, then directories from the deepest, so that
	// the directories emptied by then go too.
	entries := slices.Clone(rec.Entries)
	slices.SortStableFunc(entries, func(a, b recordEntry) int {
		return len(b.Path) - len(a.Path)
	})
	var changes []Change
	for _, pass := range []bool{true, false} {
		for _, e := range entries {
			if (e.SHA256 != "") != pass {
				continue
			}
			change, err := removeEntry(e)
			if err != nil {
				return changes, err
			}
			changes = append(changes, change)
		}
		if pass {
			if err := os.Remove(p.record); err != nil {
				return changes, fmt.Errorf("removing %s: %w", p.record, err)
			}
			changes = append(changes, Change{Path: p.record, Action: "removed"})
		}
	}
	return changes, nil
}

func removeEntry(e recordEntry) (Change, error) {
	if e.SHA256 == "" {
		err := os.Remove(e.Path)
		switch {
		case err == nil:
			return Change{Path: e.Path, Action: "removed"}, nil
		case errors.Is(err, fs.ErrNotExist):
			return Change{Path: e.Path, Action: "missing"}, nil
		}
		return Change{Path: e.Path, Action: "kept", Note: "directory not empty"}, nil
	}

	content, err := os.ReadFile(e.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Change{Path: e.Path, Action: "missing"}, nil
	case err != nil:
		return Change{}, fmt.Errorf("reading %s: %w", e.Path, err)
	case digest(content) != e.SHA256:
		return Change{Path: e.Path, Action: "kept", Note: "changed since install"}, nil
	}
	if err := os.Remove(e.Path); err != nil {
		return Change{}, fmt.Errorf("removing %s: %w", e.Path, err)
	}
	return Change{Path: e.Path, Action: "removed"}, nil
}

// missingParents returns the ancestors of path that do not exist yet, outermost
// first: writing path creates them, so they are Install's to remove.
func missingParents(path string) []string {
	var missing []string
	for dir := filepath.Dir(path); dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		if _, err := os.Lstat(dir); err == nil {
			break
		}
		missing = append([]string{dir}, missing...)
	}
	return missing
}

func (r *record) has(path string) bool {
	return slices.ContainsFunc(r.Entries, func(e recordEntry) bool { return e.Path == path })
}

// put records an item as written, replacing an earlier entry for its path.
func (r *record) put(it item) {
	entry := recordEntry{Path: it.path}
	if it.content != nil {
		entry.SHA256 = digest(it.content)
	}
	for i, e := range r.Entries {
		if e.Path == it.path {
			if it.keepExisting {
				return // the admin's file: keep the digest of what install wrote
			}
			r.Entries[i] = entry
			return
		}
	}
	r.Entries = append(r.Entries, entry)
}

func readRecord(path string) (*record, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &record{Version: 1}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the install record: %w", err)
	}
	var r record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("install record %s is damaged: %w; remove it and "+
			"remove seawall's files by hand", path, err)
	}
	return &r, nil
}

func writeRecord(path string, r *record) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	return writeAtomic(path, append(data, '\n'), 0o644)
}
