package main

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/bulkhead-dev/bulkhead/backend/trust/judge"
)

// judgeFlags name the optional local model that gives a second opinion
// on what the scanner shows without withholding (see package judge).
type judgeFlags struct {
	endpoint, model string
	timeout         time.Duration
}

func (f *judgeFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.endpoint, "judge", "", "ask a local model through this OpenAI-compatible API (e.g. http://127.0.0.1:11434/v1) about what the scanner only shows")
	fl.StringVar(&f.model, "judge-model", "", "the model the --judge endpoint serves (e.g. llama3.1:8b)")
	fl.DurationVar(&f.timeout, "judge-timeout", 30*time.Second, "longest one --judge verdict may take")
}

// open is the judge the flags name, or nil when none is.
func (f *judgeFlags) open() (*judge.Judge, error) {
	if f.endpoint == "" {
		if f.model != "" {
			return nil, errors.New("--judge-model needs --judge: the URL of the local OpenAI-compatible API serving it")
		}
		return nil, nil
	}
	return judge.New(f.endpoint, f.model, f.timeout)
}
