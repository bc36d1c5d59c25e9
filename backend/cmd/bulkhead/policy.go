package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
)

// defaultPolicyPath is where an administrator puts the machine's policy;
// BULKHEAD_POLICY names another file.
const defaultPolicyPath = "/etc/bulkhead/policy.yaml"

// adminPolicy is what an administrator sets for every user of the machine.
type adminPolicy struct {
	Images struct {
		// Allow lists the registries and namespaces images may come from.
		Allow sandbox.ImageSources `yaml:"allow"`
	} `yaml:"images"`
}

func policyPath() string {
	if p := os.Getenv("BULKHEAD_POLICY"); p != "" {
		return p
	}
	return defaultPolicyPath
}

// loadPolicy reads the administrator's policy; none is an empty policy. A
// policy that cannot be read stops Bulkhead rather than being ignored.
func loadPolicy() (adminPolicy, error) {
	var p adminPolicy
	path := policyPath()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("administrator policy %s: %w", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil && !errors.Is(err, io.EOF) {
		return p, fmt.Errorf("administrator policy %s: %v: fix the file or ask its administrator", path, err)
	}
	return p, nil
}
