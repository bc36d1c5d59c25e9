package scan

import (
	"net/netip"
	"net/url"
	"regexp"
	"strings"

	"github.com/bulkhead-dev/bulkhead/backend/egress"
)

// markupRules find active markup in definitions: what runs script, or
// loads or sends to another page, where a client shows a description or
// title as HTML or Markdown. A definition has no honest use for it (a tool
// can say what it does to HTML in words), so script is High and embedding
// Medium: either withholds the definition until a person approves it.
// Results are not read with these: a fetched web page holds script
// honestly.
var markupRules = []patternRule{
	{"active-markup", High, "markup that runs script where a client shows the text as HTML", []string{"<"},
		regexp.MustCompile(`(?i)<script\b[^<>]*>[^<]*</script|<script\b[^<>]*\bsrc\s*=|<[a-z][a-z0-9-]*\b[^<>]*?[\s/"']on[a-z]{3,}\s*=`)},
	{"active-markup", High, "a link that runs script, or opens a page the server wrote, when followed", []string{"javascript", "vbscript", "data:"},
		regexp.MustCompile(`(?i)\b(?:java|vb)script(?::\S|&colon;|&#0*58;|&#x0*3a;)|(?:\b(?:href|src|action|formaction)\s*=\s*["']?|\]\(|<)\s*(?:java|vb)script:|\bdata:\s*(?:text/html|application/xhtml\+xml)`)},
	{"active-markup", Medium, "markup that embeds another page or object, or sends a form, where a client shows the text as HTML", []string{"<"},
		// Only with what points it elsewhere: docs name "<form>" and "<iframe>" elements honestly.
		regexp.MustCompile(`(?i)<(?:iframe|frame|frameset|object|embed|applet|form|base|meta|link)\b[^<>]*?\b(?:src|href|action|data|formaction|http-equiv|srcdoc)\s*=`)},
}

// IconForwardable reports whether the gateway may pass an icon whose src is
// src on to clients, and why not: a client fetches it as it draws the
// list, unasked, so an icon must be an https URL of a public host, or a
// raster image inlined as a data: URL. Anything else could make the client
// fetch from the user's own machine or network (http://localhost:8080/...,
// https://192.168.1.1/..., https://printer/...), run script, or read a
// local file. Names are judged as written: one that resolves to a private
// address is not caught here.
func IconForwardable(src string) (ok bool, reason string) {
	sev, why := iconRisk(src)
	return sev == 0, why
}

// iconRisk is how bad an icon's src is (0: fine) and why: High where it
// reaches the user's machine or network or runs script, Low where it is
// only unsafe to forward (plain http, SVG) and is dropped on the way.
func iconRisk(src string) (Severity, string) {
	// Clients read URLs as browsers do: tabs and line ends anywhere, and
	// spaces and controls at either end, are dropped.
	s := strings.TrimFunc(strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(src), func(r rune) bool { return r <= ' ' })
	u, err := url.Parse(s)
	if err != nil {
		return Medium, "an icon address that does not parse, which clients may read otherwise"
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return hostRisk(u, 0)
	case "http":
		return hostRisk(u, Low)
	case "data":
		return dataIconRisk(u.Opaque)
	case "javascript", "vbscript":
		return High, "an icon address that runs script"
	case "file":
		return High, "an icon read from a file on the user's machine"
	case "":
		return Medium, "a relative icon address, which a client resolves against its own location"
	}
	return Medium, "an icon address of scheme " + strings.ToLower(u.Scheme) + ", not https"
}

// hostRisk judges where an http(s) icon is fetched from; plain is the
// severity of a public host (0 for https).
func hostRisk(u *url.URL, plain Severity) (Severity, string) {
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if addr, err := netip.ParseAddr(host); err == nil {
		if why := egress.Reserved(addr.WithZone("")); why != "" { // a zoned address is in no range
			return High, "an icon fetched from " + why + ": the user's own machine or network"
		}
	} else {
		labels := strings.Split(host, ".")
		last := labels[len(labels)-1]
		switch {
		case host == "":
			return Medium, "an icon address without a host"
		case host == "localhost" || strings.HasSuffix(host, ".localhost"):
			return High, "an icon fetched from localhost: the user's own machine"
		case strings.Trim(last, "0123456789") == "" || strings.HasPrefix(last, "0x"):
			return High, "an icon host spelt as a number, which clients read as an IP address"
		case len(labels) == 1:
			return High, "an icon fetched from a single-label host, which names a machine on the local network"
		case last == "local" || last == "internal" || last == "lan" || strings.HasSuffix(host, ".home.arpa"):
			return High, "an icon fetched from a local network's name"
		}
	}
	if plain != 0 {
		return plain, "an icon fetched over plain http, which anyone on the way can change or watch; not forwarded"
	}
	return 0, ""
}

// rasterIcons are the image types an inlined icon may be: they carry no
// script, whatever a client does with them.
var rasterIcons = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"image/avif": true, "image/bmp": true, "image/x-icon": true, "image/vnd.microsoft.icon": true}

// dataIconRisk judges an inlined icon by its media type (data:TYPE;...,).
func dataIconRisk(opaque string) (Severity, string) {
	mediaType, _, _ := strings.Cut(opaque, ",")
	mediaType, _, _ = strings.Cut(mediaType, ";")
	mediaType = strings.ToLower(strings.TrimSpace(mediaType))
	switch {
	case rasterIcons[mediaType]:
		return 0, ""
	case mediaType == "image/svg+xml":
		return Low, "an inlined SVG icon, which can carry script; not forwarded"
	}
	return High, "an inlined icon that is not an image (" + mediaType + "), which a client may run as a page"
}

// icon appends a finding for an icon's src that may not be forwarded.
func icon(out []Finding, src string) []Finding {
	if sev, why := iconRisk(src); sev != 0 {
		out = append(out, finding("icon-source", sev, src, 0, len(src), why))
	}
	return out
}
