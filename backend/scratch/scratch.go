// Package scratch assembles one-layer images with no base image from a few
// files and loads them into the engine: how Bulkhead builds its helper
// images (and its tests their servers) without pulling anything, with file
// modes kept exactly.
package scratch

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"runtime"

	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/jsonmessage"
)

// Image is a one-layer image: a few files and how to run them.
type Image struct {
	Ref        string
	Files      []File
	Entrypoint []string
	Cmd        []string
	Labels     map[string]string
	// Volumes are the paths the image declares as volumes (VOLUME).
	Volumes []string
}

// File is one regular file, or directory, of an image, owned by root.
type File struct {
	Path string // relative to /
	Data []byte
	Mode int64
	Dir  bool
}

// Load assembles img and loads it into the engine under img.Ref,
// unless an identical image is already there. It returns the image ID.
func Load(ctx context.Context, cli *client.Client, img Image) (string, error) {
	layer, config, err := img.Assemble()
	if err != nil {
		return "", err
	}
	id := digestOf(config) // the engine's image ID is the config's digest
	if got, err := cli.ImageInspect(ctx, img.Ref); err == nil && got.ID == id {
		return id, nil
	}
	manifest, _ := json.Marshal([]map[string]any{{
		"Config": "config.json", "RepoTags": []string{img.Ref}, "Layers": []string{"layer.tar"},
	}})
	archive, err := tarOf(func(tw *tar.Writer) error {
		for _, f := range []File{{Path: "layer.tar", Data: layer, Mode: 0o644}, {Path: "config.json", Data: config, Mode: 0o644}, {Path: "manifest.json", Data: manifest, Mode: 0o644}} {
			if err := addFile(tw, f.Path, f.Data, f.Mode); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	res, err := cli.ImageLoad(ctx, bytes.NewReader(archive))
	if err != nil {
		return "", fmt.Errorf("load image %s: %w", img.Ref, err)
	}
	defer res.Close()
	if err := jsonmessage.DisplayStream(res, io.Discard); err != nil {
		return "", fmt.Errorf("load image %s: %w", img.Ref, err)
	}
	return id, nil
}

// Assemble returns the image's layer, an uncompressed tar, and its config.
func (img Image) Assemble() (layer, config []byte, err error) {
	layer, err = tarOf(func(tw *tar.Writer) error {
		for _, f := range img.Files {
			if f.Dir {
				if err := tw.WriteHeader(&tar.Header{Name: f.Path + "/", Mode: f.Mode, Typeflag: tar.TypeDir}); err != nil {
					return err
				}
				continue
			}
			if err := addFile(tw, f.Path, f.Data, f.Mode); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	runConfig := map[string]any{"Entrypoint": img.Entrypoint, "Cmd": img.Cmd, "Labels": img.Labels}
	if len(img.Volumes) > 0 {
		volumes := map[string]struct{}{}
		for _, v := range img.Volumes {
			volumes[v] = struct{}{}
		}
		runConfig["Volumes"] = volumes
	}
	config, err = json.Marshal(map[string]any{
		"architecture": runtime.GOARCH,
		"os":           "linux",
		"config":       runConfig,
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{digestOf(layer)}},
	})
	return layer, config, err
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func tarOf(add func(*tar.Writer) error) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := add(tw); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func addFile(tw *tar.Writer, name string, data []byte, mode int64) error {
	hdr := &tar.Header{Name: name, Mode: mode, Size: int64(len(data)), Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}
