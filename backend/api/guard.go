package api

import (
	"crypto/subtle"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// The API is local, but any web page the person opens can send requests
// to loopback addresses (CSRF) or re-point its own name at 127.0.0.1 (DNS
// rebinding), as happened to MCP Inspector (CVE-2025-49596). Every request
// therefore passes, in order: an exact Host allow-list, no foreign Origin or
// cross-site fetch, the bearer token (a header, which no page can make a
// browser send), a rate limit, a JSON content type on state changes, and a
// body cap. State changes use POST, PUT and DELETE only.

// securityHeaders keep the UI's page from being framed, sniffed or fed
// scripts from elsewhere, and API answers out of caches.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "+
		"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "+
		"frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		h.Set("Cache-Control", "no-store")
	}
	c.Next()
}

// checkHost refuses Host values not on the list: a rebinding page's
// requests carry its own name. An empty list accepts any (a unix socket,
// which no browser reaches).
func checkHost(hosts []string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if len(hosts) > 0 && !slices.Contains(hosts, strings.ToLower(c.Request.Host)) {
			fail(c, http.StatusForbidden, CodeBadHost, fmt.Sprintf("host %q is not this server's address: open Bulkhead at %s", c.Request.Host, hosts[0]))
		}
	}
}

// checkOrigin refuses requests a browser sends on behalf of another site.
func checkOrigin(origins []string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if o := c.GetHeader("Origin"); o != "" && !slices.Contains(origins, o) {
			fail(c, http.StatusForbidden, CodeForeignOrigin, fmt.Sprintf("origin %q may not use Bulkhead's API", o))
			return
		}
		if c.GetHeader("Sec-Fetch-Site") == "cross-site" {
			fail(c, http.StatusForbidden, CodeCrossSite, "cross-site requests may not use Bulkhead's API")
		}
	}
}

// authenticate wants the bearer token, compared in constant time. Failures
// draw on their own small budget, so guessing is slow and cannot starve
// the person's requests.
func authenticate(token string, failures *rate.Limiter) gin.HandlerFunc {
	want := []byte("Bearer " + token)
	return func(c *gin.Context) {
		if token != "" && subtle.ConstantTimeCompare([]byte(c.GetHeader("Authorization")), want) == 1 {
			return
		}
		if !failures.Allow() {
			tooMany(c)
			return
		}
		c.Header("WWW-Authenticate", `Bearer realm="bulkhead"`)
		fail(c, http.StatusUnauthorized, CodeUnauthorized, "missing or wrong bearer token: open the address `bulkhead serve` printed")
	}
}

func limit(l *rate.Limiter) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !l.Allow() {
			tooMany(c)
		}
	}
}

func tooMany(c *gin.Context) {
	c.Header("Retry-After", "1")
	fail(c, http.StatusTooManyRequests, CodeRateLimited, "too many requests: retry in a second")
}

// stateChange guards POST, PUT and DELETE: a JSON body only (an HTML form
// cannot send one without the browser asking first), capped in size.
func stateChange(maxBody int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		switch c.Request.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return
		}
		if mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type")); mt != "application/json" {
			fail(c, http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "send the request body as application/json")
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBody)
	}
}
