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
}

// List returns this home's containers, by server then age.
func (e *Engine) List(ctx context.Context) ([]Status, error) {
	return e.list(ctx, "")
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
	}
}

// StopServer stops and removes every container of server in this home,
// whichever process started it, and reports how many there were.
func (e *Engine) StopServer(ctx context.Context, server string) (int, error) {
	list, err := e.list(ctx, server)
	if err != nil {
		return 0, err
	}
	timeout := termGrace
	for _, c := range list {
		e.cli.ContainerStop(ctx, c.ID, client.ContainerStopOptions{Timeout: &timeout})
		if err := e.remove(ctx, c.ID); err != nil {
			return 0, fmt.Errorf("remove %s: %s", c.Name, oneLine(err))
		}
	}
	return len(list), nil
}

// Reap removes containers that an earlier Bulkhead process of this home
// left behind: those whose owner no longer holds its instance lock.
// Containers of live processes, and of other homes, are left alone.
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
	n := 0
	for _, c := range list {
		if c.Instance == mine && mine != "" {
			continue
		}
		live, seen := alive[c.Instance]
		if !seen {
			live = ownerAlive(e.home, c.Instance)
			alive[c.Instance] = live
		}
		if live {
			continue
		}
		if err := e.remove(ctx, c.ID); err != nil {
			return n, fmt.Errorf("remove leftover %s: %s", c.Name, oneLine(err))
		}
		n++
	}
	sweepLocks(e.home, alive)
	return n, nil
}
