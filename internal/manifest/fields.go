package manifest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// field is one key and its value in a YAML mapping.
type field struct {
	key, value *yaml.Node
}

// object is a YAML mapping whose keys have been checked against the keys that the
// manifest format defines at its place.
type object struct {
	node   *yaml.Node
	key    string
	fields map[string]field
}

// yaml11Booleans are the plain words that YAML 1.1 parsers read as booleans but
// yaml.v3, which follows YAML 1.2, reads as strings. A manifest must mean the same
// to every parser, so these words are rejected unquoted.
var yaml11Booleans = []string{
	"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
	"on", "On", "ON", "off", "Off", "OFF",
}

// object reads the mapping at node, whose key path is key, and reports keys that
// are not strings, duplicate keys and keys that are not in known. It returns nil
// when node is not a mapping.
func (c *checker) object(node *yaml.Node, key string, known []string) *object {
	if c.reported[node] {
		return nil
	}
	if node.Kind != yaml.MappingNode {
		c.report(node, key, fmt.Sprintf("value is %s, not a mapping", typeName(node)),
			"write a mapping with the keys "+strings.Join(known, ", "))
		return nil
	}

	o := &object{node: node, key: key, fields: map[string]field{}}
	for i := 0; i+1 < len(node.Content); i += 2 {
		c.addField(o, field{key: node.Content[i], value: node.Content[i+1]}, known)
	}
	return o
}

func (c *checker) addField(o *object, f field, known []string) {
	name := f.key.Value
	key := childKey(o.key, name)
	switch {
	case c.reported[f.key]:
	case f.key.Kind != yaml.ScalarNode || f.key.Tag != "!!str":
		c.report(f.key, o.key, fmt.Sprintf("key is %s, not a string", typeName(f.key)),
			"use one of the keys "+strings.Join(known, ", "))
	case !slices.Contains(known, name):
		c.report(f.key, key, fmt.Sprintf("unknown key %q", name), suggestKey(name, known))
	default:
		first, seen := o.fields[name]
		if seen {
			c.report(f.key, key, fmt.Sprintf("duplicate key %q, first given on line %d",
				name, first.key.Line), "remove one of the two")
			return
		}
		o.fields[name] = f
	}
}

// required returns the value of the key name in o. It reports a key that is
// absent or has no value, and returns nil for those and for a value already
// reported. The example is a value to show in the fix.
func (c *checker) required(o *object, name, example string) *yaml.Node {
	f, ok := o.fields[name]
	key := childKey(o.key, name)
	if !ok {
		c.report(o.node, key, "missing", fmt.Sprintf("add %s: %s", name, example))
		return nil
	}
	if isNull(f.value) {
		c.report(f.key, key, "missing value", fmt.Sprintf("write %s: %s", name, example))
		return nil
	}
	if c.reported[f.value] {
		return nil
	}
	return f.value
}

// optional returns the value of the key name in o, or nil when the key is absent.
// A key written with no value is reported, because it is more likely a value left
// out by mistake than a wish for nothing.
func (c *checker) optional(o *object, name string) *yaml.Node {
	f, ok := o.fields[name]
	if !ok || c.reported[f.value] {
		return nil
	}
	if isNull(f.value) {
		c.report(f.key, childKey(o.key, name), "missing value",
			fmt.Sprintf("write %s: [] or remove the key", name))
		return nil
	}
	return f.value
}

// stringValue returns the string at node. It reports every other type, and the
// unquoted words that YAML 1.1 reads as booleans, with the fix to quote them.
func (c *checker) stringValue(node *yaml.Node, key string) (string, bool) {
	if node.Kind != yaml.ScalarNode {
		c.report(node, key, fmt.Sprintf("value is %s, not a string", typeName(node)),
			"write a single string")
		return "", false
	}

	fix := "quote it: " + strconv.Quote(node.Value)
	if node.Tag != "!!str" {
		c.report(node, key, fmt.Sprintf("%s is %s in YAML, not a string", node.Value,
			typeName(node)), fix)
		return "", false
	}
	if node.Style == 0 && slices.Contains(yaml11Booleans, node.Value) {
		c.report(node, key, fmt.Sprintf("%s is a boolean to YAML 1.1 parsers, not a string",
			node.Value), fix)
		return "", false
	}
	return node.Value, true
}

// boolValue returns the boolean at node, reporting every other type.
func (c *checker) boolValue(node *yaml.Node, key string) (bool, bool) {
	const fix = "write true or false, unquoted"
	if node.Kind == yaml.ScalarNode && node.Style == 0 &&
		slices.Contains(yaml11Booleans, node.Value) {
		c.report(node, key, fmt.Sprintf("%s is a boolean only to YAML 1.1 parsers, "+
			"and a string to YAML 1.2 ones", node.Value), fix)
		return false, false
	}
	if node.Kind != yaml.ScalarNode || node.Tag != "!!bool" {
		c.report(node, key, fmt.Sprintf("%s is %s, not a boolean", describe(node),
			typeName(node)), fix)
		return false, false
	}

	value, err := strconv.ParseBool(node.Value)
	if err != nil {
		c.report(node, key, fmt.Sprintf("invalid boolean %q", node.Value), fix)
		return false, false
	}
	return value, true
}

// sequence returns the items of the list at node, reporting every other type.
func (c *checker) sequence(node *yaml.Node, key string) ([]*yaml.Node, bool) {
	if node.Kind != yaml.SequenceNode {
		c.report(node, key, fmt.Sprintf("%s is %s, not a list", describe(node),
			typeName(node)), "write a list, or [] for none")
		return nil, false
	}
	return node.Content, true
}

// describe returns a short form of the value at node for problems: the scalar
// quoted, or its type for a mapping or list.
func describe(node *yaml.Node) string {
	if node.Kind == yaml.ScalarNode {
		return strconv.Quote(node.Value)
	}
	return "value"
}

// suggestKey returns the fix for an unknown key: the known key it most likely
// misspells, or the list of known keys.
func suggestKey(name string, known []string) string {
	normalized := normalizeKey(name)
	for _, candidate := range known {
		closeEnough := editDistance(name, candidate) <= min(2, len(candidate)/3)
		if normalizeKey(candidate) == normalized || closeEnough {
			return fmt.Sprintf("did you mean %q?", candidate)
		}
	}
	return "remove it, or use one of the known keys: " + strings.Join(known, ", ")
}

// normalizeKey folds case and drops '_' and '-', so that readOnlyRoot and
// readonly-root both match readonly_root.
func normalizeKey(name string) string {
	name = strings.ToLower(name)
	return strings.NewReplacer("_", "", "-", "").Replace(name)
}

// editDistance returns the Levenshtein distance between a and b, counted in bytes.
func editDistance(a, b string) int {
	previous := make([]int, len(b)+1)
	current := make([]int, len(b)+1)
	for j := range previous {
		previous[j] = j
	}

	for i := 1; i <= len(a); i++ {
		current[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			current[j] = min(previous[j]+1, current[j-1]+1, previous[j-1]+cost)
		}
		previous, current = current, previous
	}
	return previous[len(b)]
}
