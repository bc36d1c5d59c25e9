package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
)

// Server states.
const (
	StateRunning = "running"
	StateStopped = "stopped"
	StateBlocked = "blocked" // the administrator's policy forbids its image
)

// Server is one catalog entry with what Bulkhead knows of it.
type Server struct {
	catalog.Entry
	Verified bool   `json:"verified"` // from the built-in catalog
	Enabled  bool   `json:"enabled"`  // served by gateways
	State    string `json:"state"`
	Blocked  string `json:"blocked,omitempty"` // why, when blocked
	// Withheld counts definitions (tools, prompts, the launch spec) that are
	// new or changed and wait for a person; Changed is Withheld > 0.
	Withheld  int              `json:"withheld"`
	Changed   bool             `json:"changed"`
	Pin       *ImagePin        `json:"imagePin,omitempty"`
	Sandboxes []sandbox.Status `json:"sandboxes"`
}

// ImagePin is the image a person (or first use) approved.
type ImagePin struct {
	ID         string    `json:"id"`
	RepoDigest string    `json:"repoDigest,omitempty"`
	ApprovedAt time.Time `json:"approvedAt"`
	ApprovedBy string    `json:"approvedBy"`
	// Volumes the image declares; each runs as an empty temporary directory.
	Volumes []string `json:"volumes,omitempty"`
}

// serversMark changes when what listServers shows of running servers does:
// their containers (whichever process started them, and when the engine
// goes away or comes back) and the servers enabled.
func (a *API) serversMark(ctx context.Context) string {
	mark, _ := a.cfg.Store.TogglesVersion(ctx)
	if a.cfg.Sandboxes == nil {
		return mark
	}
	list, err := a.cfg.Sandboxes(ctx)
	if err != nil {
		return mark + " engine away"
	}
	for _, s := range list {
		mark += " " + s.ID + ":" + s.State
	}
	return mark
}

func (a *API) listServers(c *gin.Context) {
	cat, err := a.cfg.Catalog()
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, CodeBadRequest, err.Error())
		return
	}
	toggles, err := a.cfg.Store.Toggles(c.Request.Context())
	if err != nil {
		failErr(c, err)
		return
	}
	pins, err := a.cfg.Store.ImagePins(c.Request.Context())
	if err != nil {
		failErr(c, err)
		return
	}
	changes, err := a.cfg.Store.DefinitionChanges(c.Request.Context(), "")
	if err != nil {
		failErr(c, err)
		return
	}
	var running []sandbox.Status
	if a.cfg.Sandboxes != nil {
		if running, err = a.cfg.Sandboxes(c.Request.Context()); err != nil {
			fail(c, http.StatusServiceUnavailable, CodeUnavailable, "the Docker Engine did not answer: "+err.Error())
			return
		}
	}
	out := make([]Server, 0, len(cat.Entries))
	for _, e := range cat.Entries {
		s := Server{Entry: e, Verified: e.Source.Builtin, Enabled: toggles.Servers[e.Name], State: StateStopped, Sandboxes: []sandbox.Status{}}
		for _, sb := range running {
			if sb.Server == e.Name {
				s.Sandboxes = append(s.Sandboxes, sb)
				if sb.State == "running" {
					s.State = StateRunning
				}
			}
		}
		if err := a.cfg.Admin.Images.Allow.Check(e.Image); err != nil {
			s.State, s.Blocked = StateBlocked, err.Error()
		}
		for _, ch := range changes {
			if ch.Server == e.Name {
				s.Withheld++
			}
		}
		s.Changed = s.Withheld > 0
		for _, p := range pins {
			if p.Server == e.Name {
				s.Pin = &ImagePin{ID: p.ID, RepoDigest: p.RepoDigest, ApprovedAt: p.ApprovedAt, ApprovedBy: p.ApprovedBy, Volumes: p.Volumes}
			}
		}
		out = append(out, s)
	}
	c.JSON(http.StatusOK, out)
}

// startServer enables a server and starts it in this process's gateway;
// the answer comes once it runs and has been listed, or with why not.
func (a *API) startServer(c *gin.Context) { a.switchServer(c, true) }

// stopServer stops and disables a server.
func (a *API) stopServer(c *gin.Context) { a.switchServer(c, false) }

func (a *API) switchServer(c *gin.Context, on bool) {
	name := c.Param("name")
	cat, err := a.cfg.Catalog()
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, CodeBadRequest, err.Error())
		return
	}
	if _, ok := cat.Lookup(name); !ok {
		fail(c, http.StatusNotFound, CodeNotFound, fmt.Sprintf("no server %q in the catalog", name))
		return
	}
	if a.cfg.Servers == nil {
		fail(c, http.StatusServiceUnavailable, CodeUnavailable, "this Bulkhead serves no gateway: start and stop servers with `bulkhead serve`")
		return
	}
	if err := a.cfg.Store.SetEnabled(c.Request.Context(), name, "", on); err != nil {
		failErr(c, err)
		return
	}
	defer a.events.publish(EventServers)
	if on {
		err = a.cfg.Servers.StartServer(c.Request.Context(), name)
	} else {
		err = a.cfg.Servers.StopServer(c.Request.Context(), name)
	}
	if err != nil {
		fail(c, http.StatusBadGateway, CodeStartFailed, err.Error())
		return
	}
	c.JSON(http.StatusOK, gin.H{"name": name, "stopped": a.cfg.Servers.Stopped(name)})
}
