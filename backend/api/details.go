package api

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/bulkhead-dev/bulkhead/backend/clientconfig"
)

// maxLogBytes bounds the log a request returns: its end.
const maxLogBytes = 256 << 10

// serverLogs returns the end of a server's stored stderr.
func (a *API) serverLogs(c *gin.Context) {
	if a.cfg.Logs == nil {
		fail(c, http.StatusServiceUnavailable, CodeUnavailable, "this Bulkhead keeps no server logs")
		return
	}
	text, err := a.cfg.Logs(c.Param("name"))
	if err != nil {
		fail(c, http.StatusNotFound, CodeNotFound, err.Error())
		return
	}
	if len(text) > maxLogBytes {
		text = text[len(text)-maxLogBytes:]
	}
	c.JSON(http.StatusOK, gin.H{"server": c.Param("name"), "log": text})
}

// Client is an MCP client's entry for reaching this Bulkhead.
type Client struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Path     string `json:"path,omitempty"` // its configuration file, when Bulkhead can write it
	Document string `json:"document"`       // the entry inside the file's structure, to paste
	Error    string `json:"error,omitempty"`
}

func (a *API) listClients(c *gin.Context) {
	if a.cfg.ClientTarget == nil {
		fail(c, http.StatusServiceUnavailable, CodeUnavailable, "this Bulkhead does not configure clients: use `bulkhead client config`")
		return
	}
	out := []Client{}
	for _, id := range clientconfig.Names() {
		cl, _ := a.client(id)
		out = append(out, cl)
	}
	c.JSON(http.StatusOK, out)
}

// client describes a client's entry; the entry itself is nil when it
// cannot be made (Client.Error says why).
func (a *API) client(id string) (Client, map[string]any) {
	cc := clientconfig.Clients[id]
	out := Client{ID: id, Name: cc.Name}
	target, err := a.cfg.ClientTarget(id)
	var entry map[string]any
	if err == nil {
		entry, err = cc.Entry(target)
	}
	if err != nil {
		out.Error = err.Error()
		return out, nil
	}
	out.Document = string(cc.Document("bulkhead", entry))
	if a.cfg.ClientHome != "" {
		out.Path, _ = cc.FilePath(a.cfg.ClientHome)
	}
	return out, entry
}

// writeClient merges the entry into the client's configuration file,
// keeping everything else and a backup of the file.
func (a *API) writeClient(c *gin.Context) {
	id := c.Param("id")
	if a.cfg.ClientTarget == nil || !slices.Contains(clientconfig.Names(), id) {
		fail(c, http.StatusNotFound, CodeNotFound, fmt.Sprintf("no client %q", id))
		return
	}
	cl, entry := a.client(id)
	if entry == nil || cl.Path == "" {
		fail(c, http.StatusConflict, CodeConflict, "Bulkhead cannot write this client's file from here: copy the entry into it. "+cl.Error)
		return
	}
	backup, err := clientconfig.Clients[id].Merge(cl.Path, "bulkhead", entry)
	if err != nil {
		fail(c, http.StatusConflict, CodeConflict, err.Error())
		return
	}
	c.JSON(http.StatusOK, gin.H{"path": cl.Path, "backup": backup})
}
