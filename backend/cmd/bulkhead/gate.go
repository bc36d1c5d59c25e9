package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/bulkhead-dev/bulkhead/backend/internal/poll"
	"github.com/bulkhead-dev/bulkhead/backend/policy"
	"github.com/bulkhead-dev/bulkhead/backend/sandbox"
	"github.com/bulkhead-dev/bulkhead/backend/store"
)

// decisionPoll is how often a gateway looks for decisions made in another
// process (the CLI, the UI's server); settingsPoll, for changed settings.
const (
	decisionPoll = 200 * time.Millisecond
	settingsPoll = 2 * time.Second
)

// openGate builds the policy gate of a gateway process: the administrator's
// policy, the person's settings (re-read as they change), the queue of held
// calls, the calls left by gateways that ended settled, and the audit log
// pruned to its retention.
func openGate(ctx context.Context, a *app, st *store.Store, eng *sandbox.Engine) (*policy.Gate, func() policy.Settings, string, error) {
	admin, err := loadAdmin()
	if err != nil {
		return nil, nil, "", err
	}
	instance, err := eng.InstanceID()
	if err != nil {
		return nil, nil, "", err
	}
	s, err := policy.LoadSettings(ctx, st)
	if err != nil {
		return nil, nil, "", err
	}
	var current atomic.Pointer[policy.Settings]
	current.Store(&s)
	settings := func() policy.Settings { return *current.Load() }
	go poll.Every(ctx, settingsPoll, func(ctx context.Context) {
		if s, err := policy.LoadSettings(ctx, st); err == nil {
			current.Store(&s)
		}
	})
	queue := policy.NewQueue(st, instance, eng.InstanceAlive)
	go queue.Poll(ctx, decisionPoll)
	gate := &policy.Gate{Store: st, Admin: admin, Queue: queue, Settings: settings}
	if n, err := gate.Recover(ctx); err != nil {
		return nil, nil, "", fmt.Errorf("settle the calls held by a gateway that ended: %w", err)
	} else if n > 0 {
		fmt.Fprintf(a.stderr, "bulkhead: %d call(s) held by a gateway that ended were settled (%s); see `bulkhead audit`\n", n, map[bool]string{true: "kept pending", false: "denied"}[s.KeepPendingOnRestart])
	}
	if _, err := st.PruneAudit(ctx, time.Now().Add(-s.AuditRetention)); err != nil {
		return nil, nil, "", fmt.Errorf("prune the audit log: %w", err)
	}
	return gate, settings, instance, nil
}
