package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/bulkhead-dev/bulkhead/backend/policy"
)

// Setting is one of the person's settings, rendered as `bulkhead settings`
// does.
type Setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	Help  string `json:"help"`
}

func (a *API) getSettings(c *gin.Context) {
	s, err := policy.LoadSettings(c.Request.Context(), a.cfg.Store)
	if err != nil {
		failErr(c, err)
		return
	}
	out := []Setting{}
	for _, kh := range policy.SettingKeys() {
		v, _ := s.Get(kh[0])
		out = append(out, Setting{Key: kh[0], Value: v, Help: kh[1]})
	}
	c.JSON(http.StatusOK, out)
}

type settingRequest struct {
	Value string `json:"value"`
}

// putSetting changes one setting; running gateways pick it up within
// seconds.
func (a *API) putSetting(c *gin.Context) {
	var req settingRequest
	if !bindJSON(c, &req) {
		return
	}
	if err := policy.SaveSetting(c.Request.Context(), a.cfg.Store, c.Param("key"), req.Value, a.cfg.DecidedBy); err != nil {
		fail(c, http.StatusBadRequest, CodeBadRequest, err.Error())
		return
	}
	a.events.publish(EventSettings)
	a.getSettings(c)
}

// Rule is a person's rule, or the administrator's (which wins).
type Rule struct {
	Server   string    `json:"server"`
	Tool     string    `json:"tool,omitempty"`     // empty: every tool of the server
	ArgsHash string    `json:"argsHash,omitempty"` // empty: any arguments
	Action   string    `json:"action"`
	SetBy    string    `json:"setBy,omitempty"`
	SetAt    time.Time `json:"setAt,omitzero"`
}

// Policy is every rule in force and what applies without one.
type Policy struct {
	Rules    []Rule `json:"rules"`
	Admin    []Rule `json:"admin"` // read-only here: from the administrator's file
	Defaults string `json:"defaults"`
}

const defaultsText = "Without a rule: ask; deny for a tool the trust layer flagged; allow for a read-only, non-destructive tool " +
	"of a verified or person-approved server. The administrator's rules win over yours; the most specific of yours wins " +
	"(exact arguments, tool, server)."

func (a *API) getPolicy(c *gin.Context) {
	rules, err := a.cfg.Store.Rules(c.Request.Context(), c.Query("server"))
	if err != nil {
		failErr(c, err)
		return
	}
	p := Policy{Rules: []Rule{}, Admin: []Rule{}, Defaults: defaultsText}
	for _, r := range rules {
		p.Rules = append(p.Rules, Rule{Server: r.Server, Tool: r.Tool, ArgsHash: r.ArgsHash, Action: r.Action, SetBy: r.SetBy, SetAt: r.SetAt})
	}
	for _, r := range a.cfg.Admin.Tools {
		p.Admin = append(p.Admin, Rule{Server: r.Server, Tool: r.Tool, Action: string(r.Action), SetBy: "administrator"})
	}
	c.JSON(http.StatusOK, p)
}

// putRule sets what calls to a server, or one of its tools, do.
func (a *API) putRule(c *gin.Context) {
	var r Rule
	if !bindJSON(c, &r) {
		return
	}
	action, err := policy.ParseAction(r.Action)
	if err != nil {
		fail(c, http.StatusBadRequest, CodeBadRequest, err.Error())
		return
	}
	cat, err := a.cfg.Catalog()
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, CodeBadRequest, err.Error())
		return
	}
	if _, ok := cat.Lookup(r.Server); !ok {
		fail(c, http.StatusNotFound, CodeNotFound, fmt.Sprintf("no server %q in the catalog", r.Server))
		return
	}
	if r.ArgsHash != "" {
		fail(c, http.StatusBadRequest, CodeBadRequest, "rules for exact arguments come from deciding a held call (allow_always_exact)")
		return
	}
	if err := policy.SetRule(c.Request.Context(), a.cfg.Store, r.Server, r.Tool, action, a.cfg.DecidedBy); err != nil {
		failErr(c, err)
		return
	}
	a.events.publish(EventSettings)
	a.getPolicy(c)
}

// deleteRule removes a person's rule; the defaults apply again.
func (a *API) deleteRule(c *gin.Context) {
	var r Rule
	if !bindJSON(c, &r) {
		return
	}
	if err := a.cfg.Store.DeleteRule(c.Request.Context(), r.Server, r.Tool, r.ArgsHash); err != nil {
		failErr(c, fmt.Errorf("no such rule: %w", err))
		return
	}
	a.events.publish(EventSettings)
	a.getPolicy(c)
}
