package main

import (
	"context"
	"strings"
	"testing"

	"github.com/moby/moby/client"

	"github.com/bulkhead-dev/bulkhead/backend/internal/testenv"
)

// TestSignedImageRunsOnlyWithItsSigner: an entry that declares a signing
// key runs when its image, pulled from a registry, carries a cosign-style
// Sigstore signature by that key, and is refused before anything runs when
// the signature is by another key or missing.
func TestSignedImageRunsOnlyWithItsSigner(t *testing.T) {
	cli := testenv.RequireEngine(t)
	reg := testenv.NewRegistry(t)
	signedRef, digest := reg.Push(t, "bulkhead-test/signed", "1", "wellbehaved", testenv.Cmd("signed"))
	unsignedRef, _ := reg.Push(t, "bulkhead-test/unsigned", "1", "wellbehaved", testenv.Cmd("unsigned"))
	for _, ref := range []string{signedRef, unsignedRef} {
		t.Cleanup(func() { cli.ImageRemove(context.Background(), ref, client.ImageRemoveOptions{Force: true}) })
	}
	signer, pub := testenv.NewKeySigner(t)
	_, otherPub := testenv.NewKeySigner(t)
	reg.Attach(t, "bulkhead-test/signed", digest, signer.Bundle(t, digest, "https://sigstore.dev/cosign/sign/v1"))

	signedBy := func(key string) string {
		return "    signature:\n      key: |\n        " + strings.ReplaceAll(strings.TrimSpace(key), "\n", "\n        ") + "\n"
	}
	e := newEnv(t, entryYAML("signed", signedRef, signedBy(pub))+
		"  - name: forged\n    image: "+signedRef+"\n"+signedBy(otherPub)+
		"  - name: unsigned\n    image: "+unsignedRef+"\n"+signedBy(pub))

	cs, cmd, stderr := e.connect("signed", "--pull", "always")
	if names := testenv.ToolNames(t, cs); len(names) == 0 {
		t.Errorf("signed image serves no tools; stderr: %s", stderr)
	}
	cs.Close()
	cmd.Wait()

	_, errOut, code := e.run("run", "forged")
	oneLineError(t, errOut, code, `server "forged": image `+reg.Host()+"/bulkhead-test/signed@"+digest+" is not signed by the entry's key")
	_, errOut, code = e.run("run", "unsigned", "--pull", "always")
	oneLineError(t, errOut, code, `server "unsigned": image `+reg.Host()+"/bulkhead-test/unsigned@sha256:")
	if !strings.Contains(errOut, "carries no Sigstore signature") {
		t.Errorf("refusal of an unsigned image does not say why: %s", errOut)
	}
	if out, _, _ := e.run("image", "ls"); strings.Contains(out, "forged") || strings.Contains(out, "unsigned") {
		t.Errorf("a refused image was pinned:\n%s", out)
	}
	e.requireNoContainers(cli)
}
