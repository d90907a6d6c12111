package manifest

import (
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong in a manifest.
type Problem struct {
	// File is the manifest's file name as given to Parse or Load.
	File string
	// Line and Column locate the problem, counting from 1. Both are 0 when the
	// problem concerns the whole file, such as its size, its name or a YAML syntax
	// error.
	Line, Column int
	// Key is the key path, such as security.capabilities[1].name, or "" when the
	// problem concerns the whole file.
	Key string
	// Message describes the problem and quotes the value at fault.
	Message string
	// Fix is the change that resolves the problem.
	Fix string
}

// String formats the problem as "FILE:LINE:COLUMN: KEY: MESSAGE; FIX", leaving
// out the parts that are zero or empty.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	if p.Line > 0 && p.Column > 0 {
		fmt.Fprintf(&b, ":%d", p.Column)
	}
	b.WriteString(": ")
	if p.Key != "" {
		b.WriteString(p.Key + ": ")
	}
	b.WriteString(p.Message)
	if p.Fix != "" {
		b.WriteString("; " + p.Fix)
	}
	return b.String()
}

// Problems is every problem found in one manifest, sorted by line and column.
// It is the error Parse and Load return for a manifest that is invalid.
type Problems []Problem

// Error formats the problems one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// checker collects the problems of one manifest file.
type checker struct {
	file     string
	problems Problems
	// reported holds the nodes that already have a problem about their form
	// (an alias, an anchor or a tag), so the field rules do not report them again.
	reported map[*yaml.Node]bool
}

func newChecker(file string) *checker {
	return &checker{file: file, reported: map[*yaml.Node]bool{}}
}

// report adds a problem located at node, or at the whole file when node is nil.
func (c *checker) report(node *yaml.Node, key, message, fix string) {
	p := Problem{File: c.file, Key: key, Message: message, Fix: fix}
	if node != nil {
		p.Line, p.Column = node.Line, node.Column
	}
	c.problems = append(c.problems, p)
}

// sorted returns the problems ordered by position, keeping the order in which
// they were found for problems at the same position.
func (c *checker) sorted() Problems {
	sort.SliceStable(c.problems, func(i, j int) bool {
		a, b := c.problems[i], c.problems[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return c.problems
}

// childKey returns the key path of the key name inside the mapping at parent.
func childKey(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// indexKey returns the key path of the list item i inside the list at parent.
func indexKey(parent string, i int) string {
	return fmt.Sprintf("%s[%d]", parent, i)
}
