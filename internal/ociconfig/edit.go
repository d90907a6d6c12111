package ociconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tidwall/sjson"
)

// Edit sets or deletes one value in a JSON document.
type Edit struct {
	// Path is the dotted JSON path of the value, such as "process.user.uid".
	// Object keys only; keys must not contain '.', '*', '?', '#' or '|'.
	Path string
	// Value is the new value, marshalled with encoding/json. Delete ignores it.
	Value any
	// Delete removes the key at Path instead of setting it.
	Delete bool
}

// maxShownValue is the longest value, in bytes, that String shows in full.
const maxShownValue = 200

// String describes the edit for logs and audit records. A long value, such as a
// seccomp profile, is shown by its size only.
func (e Edit) String() string {
	if e.Delete {
		return "delete " + e.Path
	}
	value, err := json.Marshal(e.Value)
	if err != nil {
		return fmt.Sprintf("set %s", e.Path)
	}
	if len(value) > maxShownValue {
		return fmt.Sprintf("set %s = (%d bytes of JSON)", e.Path, len(value))
	}
	return fmt.Sprintf("set %s = %s", e.Path, value)
}

// Apply returns data with the edits applied in order. Bytes outside the edited
// values keep their exact form, so fields seawall does not touch reach the
// runtime exactly as the engine wrote them. A missing parent object is created.
func Apply(data []byte, edits []Edit) ([]byte, error) {
	out := bytes.Clone(data) // sjson may write into the slice it is given
	for _, edit := range edits {
		if edit.Path == "" || strings.ContainsAny(edit.Path, "*?#|\\") {
			return nil, fmt.Errorf("applying edit: invalid JSON path %q", edit.Path)
		}

		var err error
		if edit.Delete {
			out, err = sjson.DeleteBytes(out, edit.Path)
		} else {
			var value []byte
			value, err = json.Marshal(edit.Value)
			if err == nil {
				out, err = sjson.SetRawBytes(out, edit.Path, value)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("applying edit %q: %w", edit.String(), err)
		}
	}
	return out, nil
}
