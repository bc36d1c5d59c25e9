// Package api is the local HTTP API the web UI (and scripts) use: the
// catalog with each server's status, start and stop, held calls and their
// decisions, withheld definitions and their diffs, the audit log, settings,
// and a stream of server-sent events. See openapi.yaml.
package api

import (
	"context"
	"io/fs"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/bulkhead-dev/bulkhead/backend/catalog"
	"github.com/bulkhead-dev/bulkhead/backend/clientconfig"
	"github.com/bulkhead-dev/bulkhead/backend/policy"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// Servers starts and stops catalog servers (the gateway of this process).
type Servers interface {
	StartServer(ctx context.Context, name string) error
	StopServer(ctx context.Context, name string) error
	Stopped(name string) bool
}

// Config is what the API serves and how it is guarded.
type Config struct {
	// Token is the bearer token every /api request must carry (required).
	Token string
	// Hosts are the accepted Host header values, lower case; empty accepts
	// any (only for a unix socket).
	Hosts []string
	// Origins are the accepted Origin header values: the UI's own.
	Origins []string

	Store   *store.Store
	Queue   *policy.Queue // decisions wake calls held in this process
	Admin   policy.Admin
	Catalog func() (*catalog.Catalog, error)
	// Sandboxes lists running sandboxes; nil when no engine is connected.
	Sandboxes func(ctx context.Context) ([]sandbox.Status, error)
	// Servers starts and stops servers; nil: they cannot be from here.
	Servers Servers
	// DecidedBy names the person deciding through this API in the records.
	DecidedBy string
	// UI is the web UI's files; nil serves a note instead.
	UI fs.FS
	// Logs returns a server's stored stderr; nil when none is kept here.
	Logs func(server string) (string, error)
	// ClientTarget is what a client's entry starts or reaches to use this
	// Bulkhead; nil: clients are not configured from here.
	ClientTarget func(client string) (clientconfig.Target, error)
	// ClientHome is the user's home, where clients' files are; "" when out
	// of reach (inside Docker Desktop's VM).
	ClientHome string

	// Limits; zero values take the defaults below.
	RequestsPerSecond float64
	Burst             int
	MaxBodyBytes      int64
	// EventPoll is how often the event stream looks for changes.
	EventPoll time.Duration
}

const (
	defaultRate     = 500 // requests per second, after the burst
	defaultBurst    = 1000
	defaultMaxBody  = 64 << 10
	defaultPoll     = 500 * time.Millisecond
	authFailureRate = 5 // wrong tokens per second, after a burst of 20
)

// API is the handler; Close ends its event stream.
type API struct {
	cfg    Config
	engine *gin.Engine
	events *hub
}

// New builds the API. Its event hub runs until ctx ends.
func New(ctx context.Context, cfg Config) *API {
	if cfg.RequestsPerSecond == 0 {
		cfg.RequestsPerSecond, cfg.Burst = defaultRate, defaultBurst
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = defaultMaxBody
	}
	if cfg.EventPoll == 0 {
		cfg.EventPoll = defaultPoll
	}
	if cfg.Queue == nil {
		cfg.Queue = policy.NewQueue(cfg.Store, "", nil)
	}
	gin.SetMode(gin.ReleaseMode)
	a := &API{cfg: cfg, engine: gin.New()}
	a.events = newHub(cfg.Store, a.serversMark)
	go a.events.run(ctx, cfg.EventPoll)
	a.routes()
	return a
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.engine.ServeHTTP(w, r) }

// Handlers pass c.Request.Context() down, never c itself: gin reuses its
// Context for the next request while database/sql may still be watching it.
func (a *API) routes() {
	e := a.engine
	e.HandleMethodNotAllowed = true
	e.RedirectTrailingSlash, e.RedirectFixedPath = false, false
	e.Use(gin.CustomRecovery(func(c *gin.Context, _ any) {
		fail(c, http.StatusInternalServerError, CodeInternal, "the request failed inside Bulkhead; see its log")
	}))
	e.Use(securityHeaders, checkHost(a.cfg.Hosts), checkOrigin(a.cfg.Origins))
	e.NoMethod(func(c *gin.Context) {
		fail(c, http.StatusMethodNotAllowed, CodeMethodNotAllowed, c.Request.Method+" is not allowed here: state changes need POST, PUT or DELETE")
	})
	e.NoRoute(a.noRoute)

	api := e.Group("/api",
		authenticate(a.cfg.Token, rate.NewLimiter(authFailureRate, 20)),
		limit(rate.NewLimiter(rate.Limit(a.cfg.RequestsPerSecond), a.cfg.Burst)),
		stateChange(a.cfg.MaxBodyBytes))
	api.GET("/openapi.yaml", serveOpenAPI)
	api.GET("/events", a.streamEvents)
	api.GET("/servers", a.listServers)
	api.POST("/servers/:name/start", a.startServer)
	api.POST("/servers/:name/stop", a.stopServer)
	api.GET("/servers/:name/logs", a.serverLogs)
	api.GET("/clients", a.listClients)
	api.POST("/clients/:id/write", a.writeClient)
	api.GET("/approvals", a.listApprovals)
	api.POST("/approvals/:id/decision", a.decide)
	api.GET("/changes", a.listChanges)
	api.POST("/changes/approve", a.approveChange)
	api.GET("/audit", a.listAudit)
	api.GET("/egress", a.listEgress)
	api.GET("/settings", a.getSettings)
	api.PUT("/settings/:key", a.putSetting)
	api.GET("/policy", a.getPolicy)
	api.PUT("/policy", a.putRule)
	api.DELETE("/policy", a.deleteRule)
}

// noRoute serves the UI's files outside /api.
func (a *API) noRoute(c *gin.Context) {
	if len(c.Request.URL.Path) >= 4 && c.Request.URL.Path[:4] == "/api" {
		fail(c, http.StatusNotFound, CodeNotFound, "no such endpoint: see /api/openapi.yaml")
		return
	}
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		fail(c, http.StatusMethodNotAllowed, CodeMethodNotAllowed, "the UI's files are read-only")
		return
	}
	if a.cfg.UI == nil {
		c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte("Bulkhead's API is up; this build has no web UI. See /api/openapi.yaml.\n"))
		return
	}
	http.FileServerFS(a.cfg.UI).ServeHTTP(c.Writer, c.Request)
}
