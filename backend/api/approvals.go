package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/bulkhead-dev/bulkhead/backend/policy"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// Approval is a held call as the UI shows it. Arguments are JSON exactly as
// the client sent them, for scripts with a faithful parser; a page shows
// ArgumentsShown, made from those bytes without decoding them (a browser's
// JSON.parse would round numbers and drop duplicate keys), and the
// warnings. State is read at the time of the request: a call past its
// deadline is expired even when no gateway is left to time it out.
type Approval struct {
	ID               int64           `json:"id"`
	Server           string          `json:"server"`
	Tool             string          `json:"tool"`
	Arguments        json.RawMessage `json:"arguments,omitempty"`
	ArgumentsShown   string          `json:"argumentsShown,omitempty"`
	ArgumentWarnings []string        `json:"argumentWarnings"`
	ArgsHash         string          `json:"argsHash"`
	Client           string          `json:"client"`
	Session          string          `json:"session"`
	Reason           string          `json:"reason"`
	Findings         json.RawMessage `json:"findings"`
	CreatedAt        time.Time       `json:"createdAt"`
	Deadline         time.Time       `json:"deadline"`
	State            string          `json:"state"`
	Decision         string          `json:"decision,omitempty"`
	DecidedBy        string          `json:"decidedBy,omitempty"`
	DecidedAt        *time.Time      `json:"decidedAt,omitempty"`
}

func approvalOf(a store.Approval, now time.Time) Approval {
	shown := policy.ShowArguments(a.Arguments)
	out := Approval{ID: a.ID, Server: a.Server, Tool: a.Tool, ArgumentsShown: shown.Text, ArgumentWarnings: shown.Warnings,
		ArgsHash: a.ArgsHash, Client: a.Client, Session: a.Session, Reason: a.Reason, Findings: json.RawMessage(a.Findings),
		CreatedAt: a.CreatedAt, Deadline: a.Deadline, State: policy.StateOf(a, now), Decision: a.Decision, DecidedBy: a.DecidedBy}
	if out.ArgumentWarnings == nil {
		out.ArgumentWarnings = []string{}
	}
	if len(a.Arguments) > 0 && json.Valid(a.Arguments) {
		out.Arguments = a.Arguments
	}
	if !json.Valid(out.Findings) {
		out.Findings = json.RawMessage("[]")
	}
	if !a.DecidedAt.IsZero() {
		out.DecidedAt = &a.DecidedAt
	}
	return out
}

// listApprovals: pending held calls, or with all=true the latest ones
// whatever their decision.
func (a *API) listApprovals(c *gin.Context) {
	all := c.Query("all") == "true"
	n, err := queryInt(c, "limit", 200)
	if err != nil {
		return
	}
	list, err := a.cfg.Store.Approvals(c.Request.Context(), !all, n)
	if err != nil {
		failErr(c, err)
		return
	}
	out := make([]Approval, 0, len(list))
	now := time.Now()
	for _, ap := range list {
		out = append(out, approvalOf(ap, now))
	}
	c.JSON(http.StatusOK, out)
}

type decisionRequest struct {
	Decision string `json:"decision"`
}

// decide records a person's decision on a held call; a call decided
// already (by someone else, a timeout or its gateway ending), or past its
// deadline, is a conflict.
func (a *API) decide(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		fail(c, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("held call id %q is not a number", c.Param("id")))
		return
	}
	var req decisionRequest
	if !bindJSON(c, &req) {
		return
	}
	if !policy.PersonDecision(req.Decision) {
		fail(c, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("decision %q: use allow_once, allow_session, allow_always, allow_always_exact or deny", req.Decision))
		return
	}
	ap, err := a.cfg.Queue.Decide(c.Request.Context(), id, req.Decision, a.cfg.DecidedBy)
	switch {
	case errors.Is(err, policy.ErrExpired):
		fail(c, http.StatusConflict, CodeConflict, err.Error())
		return
	case err != nil:
		failErr(c, err)
		return
	}
	a.events.publish(EventApprovals)
	c.JSON(http.StatusOK, approvalOf(ap, time.Now()))
}

// bindJSON reads the body into v, strictly; false once it has answered.
func bindJSON(c *gin.Context, v any) bool {
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			failErr(c, err)
		} else {
			fail(c, http.StatusBadRequest, CodeBadRequest, "request body is not the JSON this endpoint takes: "+err.Error())
		}
		return false
	}
	return true
}

func queryInt(c *gin.Context, key string, def int) (int, error) {
	v := c.Query(key)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		fail(c, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("%s=%q: want a whole number, 0 or more", key, v))
		return 0, fmt.Errorf("bad %s", key)
	}
	return n, nil
}
