package sandbox

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// Status is one Bulkhead container as the engine reports it.
type Status struct {
	Server   string    `json:"server"`
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Image    string    `json:"image"`
	State    string    `json:"state"`  // running, exited, ...
	Status   string    `json:"status"` // the engine's words, e.g. "Up 3 minutes"
	Created  time.Time `json:"created"`
	Instance string    `json:"instance"`
	Role     string    `json:"role,omitempty"` // a helper's role: relay or proxy
}

// List returns this home's server containers, by server then age. Helpers
// such as relays are not listed; they come and go with their server.
func (e *Engine) List(ctx context.Context) ([]Status, error) {
	all, err := e.list(ctx, "")
	if err != nil {
		return nil, err
	}
	servers := all[:0]
	for _, c := range all {
		if c.Role == "" {
			servers = append(servers, c)
		}
	}
	return servers, nil
}

func (e *Engine) list(ctx context.Context, server string) ([]Status, error) {
	f := client.Filters{}.Add("label", LabelManaged+"=true", LabelHome+"="+e.homeID)
	if server != "" {
		f.Add("label", LabelServer+"="+server)
	}
	res, err := e.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list containers: %s", oneLine(err))
	}
	out := make([]Status, 0, len(res.Items))
	for _, c := range res.Items {
		out = append(out, statusOf(c))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Server != out[j].Server {
			return out[i].Server < out[j].Server
		}
		return out[i].Created.Before(out[j].Created)
	})
	return out, nil
}

func statusOf(c container.Summary) Status {
	name := ""
	if len(c.Names) > 0 {
		name = strings.TrimPrefix(c.Names[0], "/")
	}
	return Status{
		Server:   c.Labels[LabelServer],
		ID:       c.ID,
		Name:     name,
		Image:    c.Labels[LabelImage],
		State:    string(c.State),
		Status:   c.Status,
		Created:  time.Unix(c.Created, 0),
		Instance: c.Labels[LabelInstance],
		Role:     c.Labels[LabelRole],
	}
}

// StopServer stops and removes every container of server in this home,
// whichever process started it, and reports how many servers there were.
// Their networks go once their owner notices or the next reap.
func (e *Engine) StopServer(ctx context.Context, server string) (int, error) {
	list, err := e.list(ctx, server)
	if err != nil {
		return 0, err
	}
	timeout := int(termGrace / time.Second)
	n := 0
	for _, c := range list {
		e.cli.ContainerStop(ctx, c.ID, client.ContainerStopOptions{Timeout: &timeout})
		if err := e.remove(ctx, c.ID); err != nil {
			return n, fmt.Errorf("remove %s: %s", c.Name, oneLine(err))
		}
		if c.Role == "" {
			n++
		}
	}
	return n, nil
}

// Reap removes containers and networks that an earlier Bulkhead process of
// this home left behind: those whose owner no longer holds its instance
// lock. Those of live processes, and of other homes, are left alone. It
// reports how many containers it removed.
func (e *Engine) Reap(ctx context.Context) (int, error) {
	list, err := e.list(ctx, "")
	if err != nil {
		return 0, err
	}
	mine := ""
	e.mu.Lock()
	if e.instance != nil {
		mine = e.instance.id
	}
	e.mu.Unlock()
	alive := map[string]bool{}
	isAlive := func(id string) bool {
		if id == mine && mine != "" {
			return true
		}
		live, seen := alive[id]
		if !seen {
			live = ownerAlive(e.home, id)
			alive[id] = live
		}
		return live
	}
	n := 0
	for _, c := range list {
		if isAlive(c.Instance) {
			continue
		}
		if err := e.remove(ctx, c.ID); err != nil {
			return n, fmt.Errorf("remove leftover %s: %s", c.Name, oneLine(err))
		}
		n++
	}
	if _, err := e.reapNetworks(ctx, isAlive); err != nil {
		return n, err
	}
	sweepLocks(e.home, alive)
	return n, nil
}
