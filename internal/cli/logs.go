package cli

import (
	"fmt"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/salesengine/salesengine/internal/store"
)

// logEntry is one line of 'salesengine logs': a sync run or a webhook delivery attempt.
type logEntry struct {
	Time       time.Time `json:"time"`
	Kind       string    `json:"kind"` // sync or webhook
	Connection string    `json:"connection"`
	Status     string    `json:"status"`
	Summary    string    `json:"summary"`
	Error      string    `json:"error,omitempty"`
}

func (app *App) logsCommand() *cobra.Command {
	var conn string
	var n int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "logs",
		Short: "Show recent syncs and webhook delivery attempts",
		Long:  "Show the most recent sync runs (records read, inserted, updated, removed, errors) and webhook delivery attempts (status, duration, errors), newest first.",
		Example: `  salesengine logs
  salesengine logs -c acme -n 50
  salesengine logs --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n <= 0 {
				return usagef("", "-n must be positive")
			}
			ctx := cmd.Context()
			s, err := app.openStoreForReading(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			names, connID, err := app.connectionScope(ctx, s, conn)
			if err != nil {
				return err
			}
			syncs, err := s.SyncLogList(ctx, &store.SyncLogListParams{ConnectionID: connID, Limit: n})
			if err != nil {
				return err
			}
			attempts, err := s.WebhookAttemptList(ctx, &store.WebhookAttemptListParams{ConnectionID: connID, Limit: n})
			if err != nil {
				return err
			}
			var entries []logEntry
			for _, l := range syncs {
				summary := fmt.Sprintf("%s sync: %d read, %d inserted, %d updated, %d removed", l.Kind, l.RecordsFetched,
					l.RecordsInserted, l.RecordsUpdated, l.RecordsRemoved)
				if l.FinishedAt != nil {
					summary += fmt.Sprintf(" in %s", l.FinishedAt.Sub(l.StartedAt).Round(time.Millisecond))
				}
				if l.Details != "" {
					summary += "; " + l.Details
				}
				switch {
				case l.Status == store.SyncSkipped: // nothing ran: its error says why
					summary = l.Kind + " sync"
				case l.FinishedAt == nil: // counts are recorded when a pass ends: none yet (running, or its process died)
					summary = l.Kind + " sync: counts not recorded"
					if l.Status == store.SyncRunning {
						summary = l.Kind + " sync: running"
					}
				}
				entries = append(entries, logEntry{Time: l.StartedAt, Kind: "sync", Connection: names[l.ConnectionID], Status: l.Status, Summary: summary, Error: l.Error})
			}
			for _, a := range attempts {
				status := "delivered"
				if a.Error != "" {
					status = "failed"
				}
				summary := fmt.Sprintf("%s %s attempt %d: HTTP %d in %s (%s)", a.EventType, a.OrderName, a.Attempt, a.Status, a.Duration, a.EventID)
				entries = append(entries, logEntry{Time: a.StartedAt, Kind: "webhook", Connection: names[a.ConnectionID], Status: status, Summary: summary, Error: a.Error})
			}
			sort.SliceStable(entries, func(i, j int) bool { return entries[i].Time.After(entries[j].Time) })
			if len(entries) > n {
				entries = entries[:n]
			}
			if asJSON {
				return writeJSON(app.Stdout, entries)
			}
			if len(entries) == 0 {
				fmt.Fprintln(app.Stdout, "nothing logged yet: run 'salesengine sync'")
				return nil
			}
			t := newTable(app.Stdout, "TIME", "CONNECTION", "KIND", "STATUS", "SUMMARY")
			for _, e := range entries {
				summary := e.Summary
				if e.Error != "" {
					summary += ": " + truncate(e.Error, 120)
				}
				t.row(e.Time.Local().Format("2006-01-02 15:04:05"), e.Connection, e.Kind, e.Status, summary)
			}
			return t.flush()
		},
	}
	cmd.Flags().StringVarP(&conn, "connection", "c", "", "only this connection (ID or NAME)")
	cmd.Flags().IntVarP(&n, "limit", "n", 20, "how many entries")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}
