//go:build deps

// Package internal pins the project's dependencies in go.mod before every package that uses them exists.
package internal

import (
	_ "github.com/fernet/fernet-go"
	_ "github.com/jackc/pgx/v5"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/riverqueue/river"
	_ "github.com/riverqueue/river/riverdriver/riverpgxv5"
	_ "github.com/riverqueue/river/riverdriver/riversqlite"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
	_ "github.com/schollz/progressbar/v3"
	_ "github.com/spf13/cobra"
	_ "github.com/standard-webhooks/standard-webhooks/libraries/go"
	_ "golang.org/x/term"
	_ "gonum.org/v1/gonum/optimize"
	_ "modernc.org/sqlite"
)
