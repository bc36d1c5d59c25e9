package gateway

// The flood limits, for the tests that check them.
const (
	NotifyRate  = notifyRate
	NotifyBurst = notifyBurst
)
