package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

const startFix = "write a manifest, starting with manifest_version: 1"

// readDocument parses data as exactly one YAML document and returns its top-level
// mapping, or nil when there is none to check further. It reports syntax errors,
// extra documents, anchors, aliases and explicit tags anywhere in the document.
func (c *checker) readDocument(data []byte) *yaml.Node {
	decoder := yaml.NewDecoder(bytes.NewReader(data))
	var document yaml.Node
	err := decoder.Decode(&document)
	if errors.Is(err, io.EOF) || (err == nil && len(document.Content) == 0) {
		c.report(nil, "", "file is empty", startFix)
		return nil
	}
	if err != nil {
		c.reportSyntax(err)
		return nil
	}

	c.checkSingleDocument(decoder)
	root := document.Content[0]
	c.checkForm(root, "")
	return c.topMapping(root)
}

// topMapping returns root when it is a mapping, and reports it otherwise.
func (c *checker) topMapping(root *yaml.Node) *yaml.Node {
	if isNull(root) {
		c.report(nil, "", "file contains no manifest, only an empty YAML document", startFix)
		return nil
	}
	if root.Kind != yaml.MappingNode {
		c.report(root, "", fmt.Sprintf("top level is %s, not a mapping", typeName(root)),
			"write the manifest as a mapping of keys, starting with manifest_version: 1")
		return nil
	}
	return root
}

// checkSingleDocument reports a second YAML document after the first one.
func (c *checker) checkSingleDocument(decoder *yaml.Decoder) {
	var extra yaml.Node
	err := decoder.Decode(&extra)
	if errors.Is(err, io.EOF) {
		return
	}
	if err != nil {
		c.reportSyntax(err)
		return
	}
	c.report(&extra, "", "file contains more than one YAML document",
		"keep one manifest per file and remove the --- separator and what follows it")
}

// reportSyntax reports a YAML syntax error for the whole file, with the line in
// the message as yaml.v3 gives it.
//
// NOTE: yaml.v3 (v3.0.6) gives some errors no line, and counts the lines of
// parser errors from 0, so its line can be one before the error. The problem
// therefore carries no line of its own.
func (c *checker) reportSyntax(err error) {
	message := strings.TrimPrefix(err.Error(), "yaml: ")
	fix := "fix the YAML syntax"
	if strings.HasPrefix(message, "line ") {
		fix += " on that line or the next"
	}
	c.report(nil, "", "invalid YAML: "+message, fix)
}

// checkForm reports every alias, anchor and explicit tag in the tree at node,
// whose key path is key. A manifest is plain data: aliases would let one value
// stand for another far away in the file, and tags would change how a value is read.
func (c *checker) checkForm(node *yaml.Node, key string) {
	switch {
	case node.Kind == yaml.AliasNode:
		c.reportForm(node, key, fmt.Sprintf("alias *%s is not allowed", node.Value),
			"write the value out in full")
		return
	case node.Anchor != "":
		c.reportForm(node, key, fmt.Sprintf("anchor &%s is not allowed", node.Anchor),
			fmt.Sprintf("remove &%s", node.Anchor))
	case node.Style&yaml.TaggedStyle != 0:
		fix := "remove " + node.Tag
		if node.Kind == yaml.ScalarNode {
			fix += " and quote the value if it must be a string"
		}
		c.reportForm(node, key, fmt.Sprintf("tag %s is not allowed", node.Tag), fix)
	}
	c.checkChildrenForm(node, key)
}

func (c *checker) checkChildrenForm(node *yaml.Node, key string) {
	switch node.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(node.Content); i += 2 {
			child := childKey(key, node.Content[i].Value)
			c.checkForm(node.Content[i], child)
			c.checkForm(node.Content[i+1], child)
		}
	case yaml.SequenceNode:
		for i, item := range node.Content {
			c.checkForm(item, indexKey(key, i))
		}
	}
}

func (c *checker) reportForm(node *yaml.Node, key, message, fix string) {
	c.reported[node] = true
	c.report(node, key, message, fix)
}

// isNull reports whether node is an empty or null YAML value, such as "key:" or "key: ~".
func isNull(node *yaml.Node) bool {
	return node.Kind == yaml.ScalarNode && node.Tag == "!!null"
}

// typeName returns the type of the value at node with its article, such as
// "a list" or "an integer", for problems.
func typeName(node *yaml.Node) string {
	switch node.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}

	names := map[string]string{
		"!!str": "a string", "!!int": "an integer", "!!float": "a float",
		"!!bool": "a boolean", "!!null": "null", "!!timestamp": "a timestamp",
		"!!binary": "a binary value",
	}
	if name, ok := names[node.Tag]; ok {
		return name
	}
	return "a value tagged " + node.Tag
}
