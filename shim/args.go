// Package shim implements seawall-runtime: it parses the runc and crun command
// line, enforces the policy on the bundle's config.json or an exec's process,
// and hands over to the real runtime with the same pid, stdio and signals.
package shim

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// arg is one element of a command line: a flag with its value, or a positional
// argument.
type arg struct {
	// raw holds the original elements: one, or two for "--flag value".
	raw []string
	// name is the flag's canonical long name; empty for a positional argument.
	name string
	// value is the flag's value; for a boolean flag, whatever followed '='.
	value    string
	hasValue bool
	// value flags are passed on as --name=value so that runc and crun read them
	// alike; bool flags are passed on as written.
	kind flagKind
}

func (a arg) isFlag() bool { return a.name != "" }

// forward returns the elements to pass to the runtime for this argument.
func (a arg) forward() []string {
	if a.isFlag() && a.kind == valueFlag {
		return []string{"--" + a.name + "=" + a.value}
	}
	return a.raw
}

// Invocation is a parsed runtime command line.
type Invocation struct {
	// Global are the flags before the subcommand, seawall's own included.
	Global []arg
	// Command is the subcommand, such as "create"; empty for "--version" alone.
	Command string
	// Args are the subcommand's flags and positional arguments.
	Args []arg
	// Trailing are the elements after an exec's container id: the command to run.
	Trailing []string
	// ContainerID is the container id argument of an enforced subcommand.
	ContainerID string
	// Bundle is the absolute bundle directory of create, run and restore.
	Bundle string
	// ConfigFile is the absolute path of the bundle's config file.
	ConfigFile string
	// ProcessFile is the absolute path of an exec's --process file, if any.
	ProcessFile string
}

// Enforced reports whether seawall evaluates this subcommand.
func (inv *Invocation) Enforced() bool {
	_, ok := enforcedFlags[inv.Command]
	return ok
}

// Global flag values.
func (inv *Invocation) SeawallConfig() string { return lastValue(inv.Global, SeawallConfigFlag) }
func (inv *Invocation) Log() string           { return lastValue(inv.Global, "log") }
func (inv *Invocation) LogFormat() string     { return lastValue(inv.Global, "log-format") }
func (inv *Invocation) Root() string          { return lastValue(inv.Global, "root") }

// Parse parses args, the command line without the program name. cwd is the
// directory relative paths are resolved against. Subcommands other than create,
// run, restore and exec are not parsed past their name.
func Parse(args []string, cwd string) (*Invocation, error) {
	inv := &Invocation{}
	rest, err := parseGlobal(inv, args)
	if err != nil {
		return nil, err
	}
	if len(rest) == 0 {
		return inv, nil
	}
	inv.Command = rest[0]
	table, enforced := enforcedFlags[inv.Command]
	if !enforced {
		inv.Args = positionals(rest[1:])
		return inv, nil
	}

	if err := parseCommand(inv, table, rest[1:]); err != nil {
		return nil, fmt.Errorf("%s: %w", inv.Command, err)
	}
	if err := inv.resolvePaths(cwd); err != nil {
		return nil, fmt.Errorf("%s: %w", inv.Command, err)
	}
	return inv, nil
}

func parseGlobal(inv *Invocation, args []string) ([]string, error) {
	for i := 0; i < len(args); {
		if !isFlagElement(args[i]) {
			return args[i:], nil
		}
		if args[i] == "--" {
			return args[i+1:], nil
		}
		a, used, err := parseFlag(globalFlags, args[i:])
		if err != nil {
			return nil, fmt.Errorf("global flags: %w", err)
		}
		inv.Global = append(inv.Global, a)
		i += used
	}
	return nil, nil
}

// parseCommand parses an enforced subcommand's arguments. exec takes its flags
// before the container id and the command after it, verbatim; the others accept
// flags anywhere, as runc and crun do.
func parseCommand(inv *Invocation, table flagTable, args []string) error {
	for i := 0; i < len(args); {
		element := args[i]
		switch {
		case element == "--":
			inv.Args = append(inv.Args, arg{raw: []string{"--"}})
			return inv.takePositionals(args[i+1:])
		case !isFlagElement(element):
			if inv.Command == "exec" {
				return inv.takePositionals(args[i:])
			}
			inv.Args = append(inv.Args, arg{raw: []string{element}})
			i++
			continue
		}
		a, used, err := parseFlag(table, args[i:])
		if err != nil {
			return err
		}
		inv.Args = append(inv.Args, a)
		i += used
	}
	return inv.checkPositionals()
}

// takePositionals records the positional arguments that start at args: the
// container id, and for exec the command after it.
func (inv *Invocation) takePositionals(args []string) error {
	if inv.Command == "exec" {
		if len(args) == 0 {
			return errors.New("missing container id")
		}
		inv.ContainerID = args[0]
		inv.Trailing = args[1:]
		return nil
	}
	inv.Args = append(inv.Args, positionals(args)...)
	return inv.checkPositionals()
}

func (inv *Invocation) checkPositionals() error {
	if inv.Command == "exec" {
		if inv.ContainerID == "" {
			return errors.New("missing container id")
		}
		return nil
	}
	var ids []string
	for _, a := range inv.Args {
		if !a.isFlag() && a.raw[0] != "--" {
			ids = append(ids, a.raw[0])
		}
	}
	if len(ids) != 1 {
		return fmt.Errorf("expected exactly one container id, found %d: %q", len(ids), ids)
	}
	inv.ContainerID = ids[0]
	return nil
}

func positionals(args []string) []arg {
	list := make([]arg, len(args))
	for i, a := range args {
		list[i] = arg{raw: []string{a}}
	}
	return list
}

func isFlagElement(s string) bool {
	return len(s) > 1 && s[0] == '-'
}

// parseFlag parses the flag at args[0], with its value from args[1] when it takes
// one and has no '='. It returns how many elements it used.
func parseFlag(table flagTable, args []string) (arg, int, error) {
	element := args[0]
	body := strings.TrimPrefix(strings.TrimPrefix(element, "-"), "-")
	name, value, hasValue := strings.Cut(body, "=")
	spec, ok := table[name]
	if !ok {
		return arg{}, 0, fmt.Errorf("unsupported flag %q: seawall-runtime accepts only the "+
			"flags and spellings it can parse without doubt, since it cannot tell what others "+
			"change; write --name value or --name=value", element)
	}

	a := arg{raw: []string{element}, name: spec.canonical, value: value, hasValue: hasValue,
		kind: spec.kind}
	if spec.kind == boolFlag || hasValue {
		return a, 1, nil
	}
	if len(args) < 2 {
		return arg{}, 0, fmt.Errorf("flag %q needs a value", element)
	}
	a.raw = append(a.raw, args[1])
	a.value, a.hasValue = args[1], true
	return a, 2, nil
}

// resolvePaths finds the bundle and the config or process file the runtime
// will read, as absolute paths. A flag that names one of them twice is rejected,
// since runc and crun need not agree on which one wins.
func (inv *Invocation) resolvePaths(cwd string) error {
	for _, name := range []string{"bundle", "config", "process"} {
		if count := countFlag(inv.Args, name); count > 1 {
			return fmt.Errorf("--%s given %d times; give it once", name, count)
		}
	}
	if inv.Command == "exec" {
		if process := lastValue(inv.Args, "process"); process != "" {
			inv.ProcessFile = absolute(cwd, process)
		}
		return nil
	}

	inv.Bundle = cwd
	if bundle := lastValue(inv.Args, "bundle"); bundle != "" {
		inv.Bundle = absolute(cwd, bundle)
	}
	inv.ConfigFile = filepath.Join(inv.Bundle, "config.json")
	if config := lastValue(inv.Args, "config"); config != "" {
		inv.ConfigFile = absolute(inv.Bundle, config)
	}
	return nil
}

func absolute(base, path string) string {
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	return filepath.Join(base, path)
}

func countFlag(args []arg, name string) int {
	count := 0
	for _, a := range args {
		if a.name == name {
			count++
		}
	}
	return count
}

func lastValue(args []arg, name string) string {
	for _, a := range slices.Backward(args) {
		if a.name == name {
			return a.value
		}
	}
	return ""
}

// RuntimeArgs returns the command line for the real runtime: seawall's own flag
// removed, value flags of enforced subcommands in --name=value form, and every
// other element as given.
func (inv *Invocation) RuntimeArgs() []string {
	var out []string
	for _, a := range inv.Global {
		if a.name != SeawallConfigFlag {
			out = append(out, a.raw...)
		}
	}
	if inv.Command == "" {
		return out
	}
	out = append(out, inv.Command)
	for _, a := range inv.Args {
		if inv.Enforced() {
			out = append(out, a.forward()...)
		} else {
			out = append(out, a.raw...)
		}
	}
	if inv.Command == "exec" {
		out = append(out, inv.ContainerID)
		out = append(out, inv.Trailing...)
	}
	return out
}
