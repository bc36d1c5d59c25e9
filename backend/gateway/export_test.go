package gateway

import "net/http"

// The flood limits, for the tests that check them.
const (
	NotifyRate  = notifyRate
	NotifyBurst = notifyBurst
)

// Bearer is a transport that sends every request with the gateway token,
// as a client's configuration does.
type Bearer string

func (b Bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(b))
	return http.DefaultTransport.RoundTrip(r)
}
