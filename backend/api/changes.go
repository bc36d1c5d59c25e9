package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/bulkhead-dev/bulkhead/backend/trust"
)

// Change is a withheld definition beside the approved version it would
// replace (empty for a new one), field by field.
type Change struct {
	Server   string              `json:"server"`
	Kind     string              `json:"kind"`
	Name     string              `json:"name"`
	Hash     string              `json:"hash"`
	Reason   string              `json:"reason"` // new, changed or flagged
	Findings json.RawMessage     `json:"findings"`
	SeenAt   time.Time           `json:"seenAt"`
	Pinned   string              `json:"pinned"`   // canonical JSON of the approved version
	Proposed string              `json:"proposed"` // canonical JSON of the withheld one
	Fields   []trust.FieldChange `json:"fields"`
}

func (a *API) listChanges(c *gin.Context) {
	server := c.Query("server")
	changes, err := a.cfg.Store.DefinitionChanges(c.Request.Context(), server)
	if err != nil {
		failErr(c, err)
		return
	}
	pins := map[string]map[[2]string]string{} // server -> kind, name -> definition
	out := make([]Change, 0, len(changes))
	for _, ch := range changes {
		if pins[ch.Server] == nil {
			list, err := a.cfg.Store.DefinitionPins(c.Request.Context(), ch.Server)
			if err != nil {
				failErr(c, err)
				return
			}
			pins[ch.Server] = map[[2]string]string{}
			for _, p := range list {
				pins[ch.Server][[2]string{p.Kind, p.Name}] = p.Definition
			}
		}
		pinned := pins[ch.Server][[2]string{ch.Kind, ch.Name}]
		fields, err := trust.Diff(pinned, ch.Definition)
		if err != nil {
			failErr(c, err)
			return
		}
		findings := json.RawMessage(ch.Findings)
		if !json.Valid(findings) {
			findings = json.RawMessage("[]")
		}
		out = append(out, Change{Server: ch.Server, Kind: ch.Kind, Name: ch.Name, Hash: ch.Hash, Reason: ch.Reason,
			Findings: findings, SeenAt: ch.SeenAt, Pinned: pinned, Proposed: ch.Definition, Fields: orEmpty(fields)})
	}
	c.JSON(http.StatusOK, out)
}

type approveRequest struct {
	Server string `json:"server"`
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Hash   string `json:"hash"`
}

// approveChange approves exactly the version the person saw (by hash): if
// the server changed it again since, nothing is approved.
func (a *API) approveChange(c *gin.Context) {
	var req approveRequest
	if !bindJSON(c, &req) {
		return
	}
	if req.Server == "" || req.Kind == "" || req.Hash == "" {
		fail(c, http.StatusBadRequest, CodeBadRequest, "name the withheld definition: server, kind, name and the hash that was shown")
		return
	}
	if err := a.cfg.Store.ApproveDefinition(c.Request.Context(), req.Server, req.Kind, req.Name, req.Hash, a.cfg.DecidedBy); err != nil {
		failErr(c, err)
		return
	}
	a.events.publish(EventChanges)
	c.JSON(http.StatusOK, gin.H{"approved": req})
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
