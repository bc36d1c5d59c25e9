package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// Error codes are stable: the UI and scripts branch on them, never on the
// message.
const (
	CodeUnauthorized     = "unauthorized"
	CodeForeignOrigin    = "foreign_origin"
	CodeBadHost          = "bad_host"
	CodeCrossSite        = "cross_site"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeNotFound         = "not_found"
	CodeUnsupportedMedia = "unsupported_media_type"
	CodeTooLarge         = "too_large"
	CodeRateLimited      = "rate_limited"
	CodeBadRequest       = "bad_request"
	CodeConflict         = "conflict"
	CodeUnavailable      = "unavailable"
	CodeInternal         = "internal"
	CodeStartFailed      = "start_failed"
	CodeDiskFull         = "disk_full"
)

// Error is the body of every failed request.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func fail(c *gin.Context, status int, code, msg string) {
	c.AbortWithStatusJSON(status, gin.H{"error": Error{Code: code, Message: msg}})
}

// failErr answers with the status an error from below calls for.
func failErr(c *gin.Context, err error) {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		fail(c, http.StatusRequestEntityTooLarge, CodeTooLarge, "request body over the limit: send less")
	case errors.Is(err, store.ErrNotFound):
		fail(c, http.StatusNotFound, CodeNotFound, err.Error())
	case errors.Is(err, store.ErrDecided), errors.Is(err, store.ErrChangedAgain):
		fail(c, http.StatusConflict, CodeConflict, err.Error())
	case store.DiskFull(err):
		fail(c, http.StatusInsufficientStorage, CodeDiskFull, store.DiskFullMessage)
	default:
		fail(c, http.StatusInternalServerError, CodeInternal, err.Error())
	}
}
