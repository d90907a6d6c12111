package manifest

import (
	"fmt"
	"path"
	"strings"

	"github.com/opencontainers/runtime-tools/validate/capabilities"
	"go.yaml.in/yaml/v3"
)

var (
	capabilityKeys = []string{"name", "reason"}
	volumeKeys     = []string{"name", "path"}
	deviceKeys     = []string{"path", "reason"}
)

// kernelDirs are the directories where the container runtime mounts the kernel's
// own file systems, which a volume there would hide.
var kernelDirs = []string{"/proc", "/sys", "/dev"}

const reasonExample = "a sentence that says why the app needs it"

func (c *checker) capabilities(o *object) []Capability {
	const key = "security.capabilities"
	var result []Capability
	seen := map[string]*yaml.Node{}
	for i, item := range c.items(c.required(o, "capabilities", "[]"), key) {
		itemKey := indexKey(key, i)
		entry := c.object(item, itemKey, capabilityKeys)
		if entry == nil {
			continue
		}

		name, nameNode := c.capabilityName(entry, childKey(itemKey, "name"))
		reasonNode := c.required(entry, "reason", reasonExample)
		reason := c.reason(reasonNode, childKey(itemKey, "reason"))
		if name != "" {
			c.checkUnique(seen, name, nameNode, childKey(itemKey, "name"), "capability")
		}
		result = append(result, Capability{Name: name, Reason: reason})
	}
	return result
}

// capabilityName returns the canonical name of the capability in entry, such as
// CAP_NET_ADMIN for net_admin, and the node it was read from.
func (c *checker) capabilityName(entry *object, key string) (string, *yaml.Node) {
	node := c.required(entry, "name", "NET_BIND_SERVICE")
	if node == nil {
		return "", nil
	}
	text, ok := c.stringValue(node, key)
	if !ok {
		return "", nil
	}

	name := strings.ToUpper(text)
	if !strings.HasPrefix(name, "CAP_") {
		name = "CAP_" + name
	}
	if name == "CAP_ALL" {
		c.report(node, key, fmt.Sprintf("capability %q is not allowed: every capability "+
			"is dropped, and the manifest adds back only those it names", text),
			"list each capability the app needs by name")
		return "", nil
	}
	if err := capabilities.CapValid(name, false); err != nil {
		c.report(node, key, fmt.Sprintf("unknown capability %q", text),
			"use a name from capabilities(7), such as NET_BIND_SERVICE")
		return "", nil
	}
	return name, node
}

func (c *checker) volumes(top *object) []Volume {
	var result []Volume
	names := map[string]*yaml.Node{}
	paths := map[string]*yaml.Node{}
	for i, item := range c.items(c.optional(top, "volumes"), "volumes") {
		itemKey := indexKey("volumes", i)
		entry := c.object(item, itemKey, volumeKeys)
		if entry == nil {
			continue
		}

		name, nameNode := c.volumeName(entry, childKey(itemKey, "name"))
		if name != "" {
			c.checkUnique(names, name, nameNode, childKey(itemKey, "name"), "volume name")
		}
		volumePath, pathNode := c.volumePath(entry, childKey(itemKey, "path"))
		if volumePath != "" {
			c.checkUnique(paths, volumePath, pathNode, childKey(itemKey, "path"), "volume path")
		}
		result = append(result, Volume{Name: name, Path: volumePath})
	}
	return result
}

func (c *checker) volumeName(entry *object, key string) (string, *yaml.Node) {
	node := c.required(entry, "name", "data")
	if node == nil {
		return "", nil
	}
	name, ok := c.stringValue(node, key)
	if !ok {
		return "", nil
	}

	if !idPattern.MatchString(name) {
		c.report(node, key, fmt.Sprintf("invalid volume name %q", name), idFix)
		return "", nil
	}
	return name, node
}

func (c *checker) volumePath(entry *object, key string) (string, *yaml.Node) {
	node := c.required(entry, "path", "/data")
	if node == nil {
		return "", nil
	}
	p, ok := c.stringValue(node, key)
	if !ok || !c.checkPath(node, key, p) {
		return "", nil
	}

	if p == "/" {
		c.report(node, key, `volume path "/" is the container's root`,
			"mount the volume on a directory below the root, such as /data")
		return "", nil
	}
	for _, dir := range kernelDirs {
		if p == dir || strings.HasPrefix(p, dir+"/") {
			c.report(node, key, fmt.Sprintf("volume path %q is inside %s, where the "+
				"container runtime mounts a kernel file system", p, dir),
				"choose a path outside /proc, /sys and /dev, such as /data")
			return "", nil
		}
	}
	return p, node
}

func (c *checker) devices(top *object) []Device {
	var result []Device
	paths := map[string]*yaml.Node{}
	for i, item := range c.items(c.optional(top, "devices"), "devices") {
		itemKey := indexKey("devices", i)
		entry := c.object(item, itemKey, deviceKeys)
		if entry == nil {
			continue
		}

		devicePath, pathNode := c.devicePath(entry, childKey(itemKey, "path"))
		if devicePath != "" {
			c.checkUnique(paths, devicePath, pathNode, childKey(itemKey, "path"), "device")
		}
		reasonNode := c.required(entry, "reason", reasonExample)
		reason := c.reason(reasonNode, childKey(itemKey, "reason"))
		result = append(result, Device{Path: devicePath, Reason: reason})
	}
	return result
}

func (c *checker) devicePath(entry *object, key string) (string, *yaml.Node) {
	node := c.required(entry, "path", "/dev/net/tun")
	if node == nil {
		return "", nil
	}
	p, ok := c.stringValue(node, key)
	if !ok || !c.checkPath(node, key, p) {
		return "", nil
	}

	if !strings.HasPrefix(p, "/dev/") {
		c.report(node, key, fmt.Sprintf("device path %q is not under /dev/", p),
			"give the device node's path under /dev/, such as /dev/net/tun")
		return "", nil
	}
	return p, node
}

// checkPath reports p unless it is an absolute path in clean form, and returns
// whether it is.
func (c *checker) checkPath(node *yaml.Node, key, p string) bool {
	switch {
	case p == "":
		c.report(node, key, "path is empty", "write an absolute path, such as /data")
	case !path.IsAbs(p):
		c.report(node, key, fmt.Sprintf("path %q is not absolute", p),
			fmt.Sprintf("start it with /: %q", path.Join("/", p)))
	case path.Clean(p) != p:
		c.report(node, key, fmt.Sprintf("path %q is not in clean form", p),
			fmt.Sprintf("write it as %q", path.Clean(p)))
	default:
		return true
	}
	return false
}

// items returns the items of the list at node, which may be nil for a list that
// is absent or already reported.
func (c *checker) items(node *yaml.Node, key string) []*yaml.Node {
	if node == nil {
		return nil
	}
	items, _ := c.sequence(node, key)
	return items
}

// checkUnique reports value, found at node, when an earlier item already has it,
// and records it otherwise. The what names the kind of value in the problem.
func (c *checker) checkUnique(seen map[string]*yaml.Node, value string, node *yaml.Node,
	key, what string) {
	first, ok := seen[value]
	if ok {
		c.report(node, key, fmt.Sprintf("duplicate %s %s, first given on line %d",
			what, value, first.Line), "remove this entry")
		return
	}
	seen[value] = node
}
