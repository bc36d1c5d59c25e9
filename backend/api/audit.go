package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// listAudit: the audit log, oldest first, filtered like `bulkhead audit`;
// format=csv exports it for a spreadsheet.
func (a *API) listAudit(c *gin.Context) {
	f := store.AuditFilter{Server: c.Query("server"), Tool: c.Query("tool"), Client: c.Query("client"),
		Decision: c.Query("decision"), Status: c.Query("status")}
	var err error
	if f.Limit, err = queryInt(c, "limit", 500); err != nil {
		return
	}
	for key, t := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := c.Query(key); v != "" {
			if *t, err = time.Parse(time.RFC3339, v); err != nil {
				fail(c, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("%s=%q: want an RFC 3339 time, e.g. 2026-12-01T09:00:00Z", key, v))
				return
			}
		}
	}
	entries, err := a.cfg.Store.Audit(c.Request.Context(), f)
	if err != nil {
		failErr(c, err)
		return
	}
	switch c.DefaultQuery("format", "json") {
	case "json":
		c.JSON(http.StatusOK, orEmpty(entries))
	case "csv":
		c.Header("Content-Disposition", `attachment; filename="bulkhead-audit.csv"`)
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Status(http.StatusOK)
		store.WriteAuditCSV(c.Writer, entries)
	default:
		fail(c, http.StatusBadRequest, CodeBadRequest, "format: use json or csv")
	}
}

// listEgress: the connections servers' egress proxies allowed or refused,
// oldest first.
func (a *API) listEgress(c *gin.Context) {
	n, err := queryInt(c, "limit", 500)
	if err != nil {
		return
	}
	events, err := a.cfg.Store.EgressEvents(c.Request.Context(), c.Query("server"), n)
	if err != nil {
		failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, orEmpty(events))
}
