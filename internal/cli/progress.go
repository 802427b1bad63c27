package cli

import (
	"io"
	"log/slog"
	"os"
	gosync "sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/salesengine/salesengine/internal/engine"
)

// progressReporter shows sync progress: a bar on a terminal, a log line every few seconds otherwise.
type progressReporter struct {
	mu       gosync.Mutex
	out      io.Writer
	log      *slog.Logger
	terminal bool
	bar      *progressbar.ProgressBar
	stage    string
	lastLog  time.Time
}

func (app *App) newProgress() *progressReporter {
	p := &progressReporter{out: app.Stderr, log: app.Log}
	if f, ok := app.Stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.terminal = true
	}
	return p
}

func (p *progressReporter) report(ev engine.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := ev.Connection + "/" + ev.Stage
	if p.terminal {
		if key != p.stage || p.bar == nil {
			if p.bar != nil {
				_ = p.bar.Finish()
			}
			total := ev.Total
			if total <= 0 {
				total = -1
			}
			p.bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(p.out),
				progressbar.OptionSetDescription(ev.Connection+" "+ev.Stage), progressbar.OptionShowCount(),
				progressbar.OptionShowIts(), progressbar.OptionSetItsString("records"), progressbar.OptionClearOnFinish(),
				progressbar.OptionThrottle(100*time.Millisecond))
			p.stage = key
		}
		_ = p.bar.Set64(ev.Done)
		return
	}
	if key != p.stage || time.Since(p.lastLog) >= 5*time.Second {
		attrs := []any{"connection", ev.Connection, "stage", ev.Stage, "done", ev.Done}
		if ev.Total > 0 { // a listing does not know its total in advance: say nothing rather than 0
			attrs = append(attrs, "total", ev.Total)
		}
		p.log.Info("sync progress", attrs...)
		p.stage, p.lastLog = key, time.Now()
	}
}

func (p *progressReporter) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
}
