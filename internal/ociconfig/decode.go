// Package ociconfig reads, strictly decodes, edits and atomically writes OCI
// runtime config.json and process.json files.
//
// Go's encoding/json matches keys case-insensitively, keeps the last of two
// duplicate keys and drops keys the target type does not define. crun parses the
// same bytes with a different parser, so any of those leniencies could let one
// runtime see a setting that seawall never evaluated. The decoder here therefore
// rejects duplicate keys, keys that are not runtime-spec fields spelled exactly,
// and trailing data, naming the JSON path of each.
package ociconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// DecodeSpec strictly decodes a config.json document.
func DecodeSpec(data []byte) (*specs.Spec, error) {
	var spec specs.Spec
	if err := decodeStrict(data, &spec); err != nil {
		return nil, err
	}
	return &spec, nil
}

// DecodeProcess strictly decodes a process.json document, the file runc and crun
// take with exec --process.
func DecodeProcess(data []byte) (*specs.Process, error) {
	var process specs.Process
	if err := decodeStrict(data, &process); err != nil {
		return nil, err
	}
	return &process, nil
}

// DecodeState decodes the container state an OCI hook receives on stdin. The
// state comes from the runtime, not from the caller, and runtimes add fields of
// their own (crun adds "root"). Unknown fields are therefore ignored, but
// duplicate keys and trailing data are rejected. The older "bundlePath" key is
// accepted as the bundle.
func DecodeState(data []byte) (*specs.State, error) {
	var state struct {
		specs.State
		BundlePath string `json:"bundlePath,omitempty"`
	}
	if err := decode(data, &state, true); err != nil {
		return nil, err
	}
	if state.Bundle == "" {
		state.Bundle = state.BundlePath
	}
	return &state.State, nil
}

func decodeStrict(data []byte, target any) error {
	return decode(data, target, false)
}

func decode(data []byte, target any, allowUnknown bool) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("empty document: expected one JSON object")
	}

	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.UseNumber()
	checker := fieldChecker{decoder: decoder, allowUnknown: allowUnknown}
	if err := checker.value(reflect.TypeOf(target).Elem(), ""); err != nil {
		return err
	}
	if _, err := decoder.Token(); err != io.EOF {
		return fmt.Errorf("trailing data after the JSON object at byte %d: expected one document",
			decoder.InputOffset())
	}

	strict := json.NewDecoder(bytes.NewReader(data))
	if !allowUnknown {
		strict.DisallowUnknownFields()
	}
	if err := strict.Decode(target); err != nil {
		return fmt.Errorf("decoding JSON: %w", err)
	}
	return nil
}

// fieldChecker walks a JSON document token by token alongside the Go type it will
// decode into, so that every key is checked against the type's exact JSON names.
type fieldChecker struct {
	decoder *json.Decoder
	// allowUnknown skips keys the type does not define instead of rejecting them.
	allowUnknown bool
}

func (c *fieldChecker) value(t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}

	token, err := c.decoder.Token()
	if err != nil {
		return fmt.Errorf("reading JSON at %s: %w", displayPath(path), err)
	}
	delim, isDelim := token.(json.Delim)
	if !isDelim {
		return nil // a scalar or null; json.Unmarshal checks its type
	}

	switch {
	case delim == '{' && t.Kind() == reflect.Struct:
		return c.object(path, func(key string) (reflect.Type, bool) {
			return structField(t, key)
		})
	case delim == '{' && t.Kind() == reflect.Map:
		return c.object(path, func(string) (reflect.Type, bool) { return t.Elem(), true })
	case delim == '[' && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		return c.array(t.Elem(), path)
	case t.Kind() == reflect.Interface:
		return c.skip(delim)
	}
	return fmt.Errorf("%s: expected %s, found a JSON %s", displayPath(path), kindName(t),
		delimName(delim))
}

func (c *fieldChecker) object(path string, field func(string) (reflect.Type, bool)) error {
	seen := map[string]bool{}
	for c.decoder.More() {
		token, err := c.decoder.Token()
		if err != nil {
			return fmt.Errorf("reading JSON at %s: %w", displayPath(path), err)
		}
		key := token.(string)
		keyPath := joinPath(path, key)
		if seen[key] {
			return fmt.Errorf("duplicate key %q: each key may appear once", keyPath)
		}
		seen[key] = true

		fieldType, ok := field(key)
		if !ok && c.allowUnknown {
			fieldType, ok = reflect.TypeFor[any](), true
		}
		if !ok {
			return fmt.Errorf("unknown field %q: it is not a runtime-spec field "+
				"(names are case-sensitive); remove it", keyPath)
		}
		if err := c.value(fieldType, keyPath); err != nil {
			return err
		}
	}
	return c.closing(path)
}

func (c *fieldChecker) array(elem reflect.Type, path string) error {
	for i := 0; c.decoder.More(); i++ {
		if err := c.value(elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	return c.closing(path)
}

// closing reads the brace or bracket that ends the value at path.
func (c *fieldChecker) closing(path string) error {
	if _, err := c.decoder.Token(); err != nil {
		return fmt.Errorf("reading JSON at %s: %w", displayPath(path), err)
	}
	return nil
}

// skip consumes the rest of a value whose type is unconstrained.
func (c *fieldChecker) skip(open json.Delim) error {
	depth := 1
	for depth > 0 {
		token, err := c.decoder.Token()
		if err != nil {
			return err
		}
		if d, ok := token.(json.Delim); ok && (d == '{' || d == '[') {
			depth++
		} else if ok {
			depth--
		}
	}
	return nil
}

// structField finds the field of t whose JSON name is exactly key, looking into
// embedded structs the way encoding/json does.
func structField(t reflect.Type, key string) (reflect.Type, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			if inner, ok := structField(indirect(f.Type), key); ok {
				return inner, true
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key && name != "-" && f.IsExported() {
			return f.Type, true
		}
	}
	return nil, false
}

func indirect(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func displayPath(path string) string {
	if path == "" {
		return "the top level"
	}
	return fmt.Sprintf("%q", path)
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "a " + t.Kind().String()
}

func delimName(d json.Delim) string {
	if d == '{' {
		return "object"
	}
	return "array"
}
