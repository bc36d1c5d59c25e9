package policy

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// Settings are the person's choices about approvals and the audit log.
type Settings struct {
	// ApprovalTimeout is how long a held call waits before it is denied.
	ApprovalTimeout time.Duration `json:"approvalTimeout"`
	// KeepPendingOnRestart: calls held by a gateway that ended stay pending
	// (a retry of the same call waits on them) instead of being denied.
	KeepPendingOnRestart bool `json:"keepPendingOnRestart"`
	// AuditArguments records argument values (secrets redacted) in the
	// audit log, not only their digest.
	AuditArguments bool `json:"auditArguments"`
	// AuditRetention is how long the audit log keeps entries.
	AuditRetention time.Duration `json:"auditRetention"`
	// AskInClient also puts held calls to the person in the MCP client,
	// where it supports elicitation. Off by default: it trusts the client
	// application to show the question to a person, not answer it itself.
	AskInClient bool `json:"askInClient"`
}

// Defaults are the settings nobody changed.
var Defaults = Settings{ApprovalTimeout: 2 * time.Minute, AuditRetention: 90 * 24 * time.Hour}

type setting struct {
	key, help string
	get       func(*Settings) string
	set       func(*Settings, string) error
}

var settings = []setting{
	{"approval-timeout", "how long a held call waits for a person before it is denied (e.g. 2m)",
		func(s *Settings) string { return s.ApprovalTimeout.String() },
		func(s *Settings, v string) error { return duration(&s.ApprovalTimeout, v, time.Second, 24*time.Hour) }},
	{"pending-on-restart", "what happens to calls held by a gateway that ended: deny, or keep them pending",
		func(s *Settings) string { return map[bool]string{true: "keep", false: "deny"}[s.KeepPendingOnRestart] },
		func(s *Settings, v string) error { return choice(&s.KeepPendingOnRestart, v, "keep", "deny") }},
	{"audit-arguments", "record argument values (secrets redacted) in the audit log, not only their digest: on or off",
		func(s *Settings) string { return onOff(s.AuditArguments) },
		func(s *Settings, v string) error { return choice(&s.AuditArguments, v, "on", "off") }},
	{"ask-in-client", "also ask about held calls in the MCP client, where it supports elicitation (trusts the client to show the question to you): on or off",
		func(s *Settings) string { return onOff(s.AskInClient) },
		func(s *Settings, v string) error { return choice(&s.AskInClient, v, "on", "off") }},
	{"audit-retention", "how long the audit log keeps entries, in days (e.g. 90d)",
		func(s *Settings) string { return strconv.Itoa(int(s.AuditRetention/(24*time.Hour))) + "d" },
		func(s *Settings, v string) error { return days(&s.AuditRetention, v) }},
}

// SettingKeys lists the settings with what each means.
func SettingKeys() [][2]string {
	var out [][2]string
	for _, s := range settings {
		out = append(out, [2]string{s.key, s.help})
	}
	return out
}

// Get renders one setting.
func (s Settings) Get(key string) (string, error) {
	for _, st := range settings {
		if st.key == key {
			return st.get(&s), nil
		}
	}
	return "", unknownSetting(key)
}

// LoadSettings reads the settings from the store over the defaults.
func LoadSettings(ctx context.Context, st *store.Store) (Settings, error) {
	s := Defaults
	for _, def := range settings {
		v, ok, err := st.Setting(ctx, def.key)
		if err != nil {
			return s, err
		}
		if ok {
			if err := def.set(&s, v); err != nil {
				return s, fmt.Errorf("setting %s in the state database: %v; set it again with `bulkhead settings %s VALUE`", def.key, err, def.key)
			}
		}
	}
	return s, nil
}

// SaveSetting checks and stores one setting.
func SaveSetting(ctx context.Context, st *store.Store, key, value, by string) error {
	for _, def := range settings {
		if def.key == key {
			var s Settings
			if err := def.set(&s, value); err != nil {
				return fmt.Errorf("setting %s: %v", key, err)
			}
			return st.PutSetting(ctx, key, def.get(&s), by)
		}
	}
	return unknownSetting(key)
}

func unknownSetting(key string) error {
	var keys []string
	for _, s := range settings {
		keys = append(keys, s.key)
	}
	return fmt.Errorf("no setting %q: the settings are %v", key, keys)
}

func duration(d *time.Duration, v string, lo, hi time.Duration) error {
	x, err := time.ParseDuration(v)
	if err != nil || x < lo || x > hi {
		return fmt.Errorf("%q must be a duration between %s and %s", v, lo, hi)
	}
	*d = x
	return nil
}

func days(d *time.Duration, v string) error {
	n, err := strconv.Atoi(strings.TrimSuffix(v, "d"))
	if err != nil || n < 1 || n > 3650 {
		return fmt.Errorf("%q must be a number of days between 1 and 3650 (e.g. 90d)", v)
	}
	*d = time.Duration(n) * 24 * time.Hour
	return nil
}

func choice(b *bool, v, yes, no string) error {
	if !slices.Contains([]string{yes, no}, v) {
		return fmt.Errorf("%q: use %s or %s", v, yes, no)
	}
	*b = v == yes
	return nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
