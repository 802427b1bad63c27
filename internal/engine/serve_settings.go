package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/salesengine/salesengine/internal/config"
	"github.com/salesengine/salesengine/internal/schedule"
)

// MinLeaseTTL is the shortest SALESENGINE_LEASE_TTL.
const MinLeaseTTL = 5 * time.Second

// LoadServeSchedule reads serve's schedules, shutdown timeout and lease TTL into o: SALESENGINE_SCHEDULE (forecast and
// plan) and SALESENGINE_FULL_SYNC_SCHEDULE, cron expressions in SALESENGINE_TIMEZONE ("off": never), and
// SALESENGINE_SHUTDOWN_TIMEOUT.
func LoadServeSchedule(cfg *config.Config, o *ServeOptions) error {
	return settingError(loadServeSchedule(cfg, o))
}

func loadServeSchedule(cfg *config.Config, o *ServeOptions) error {
	loc, err := loadLocation(cfg)
	if err != nil {
		return err
	}
	for _, v := range []struct {
		name string
		dst  **schedule.Schedule
	}{{"SALESENGINE_SCHEDULE", &o.Forecast}, {"SALESENGINE_FULL_SYNC_SCHEDULE", &o.FullSync}} {
		expr := strings.TrimSpace(cfg.Get(v.name))
		if expr == "off" {
			*v.dst = nil
			continue
		}
		s, err := schedule.Parse(expr, loc)
		if err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
		*v.dst = s
	}
	if o.ShutdownTimeout, err = cfg.Duration("SALESENGINE_SHUTDOWN_TIMEOUT"); err != nil {
		return err
	}
	if o.SyncLogRetention, err = cfg.Duration("SALESENGINE_SYNC_LOG_RETENTION"); err != nil {
		return err
	}
	if o.SyncLogRetention < 0 || (o.SyncLogRetention > 0 && o.SyncLogRetention < time.Hour) {
		return fmt.Errorf("SALESENGINE_SYNC_LOG_RETENTION=%s: give at least 1h (e.g. 720h for 30 days), or 0 to keep every log", o.SyncLogRetention)
	}
	if o.ShutdownTimeout <= 0 {
		return fmt.Errorf("SALESENGINE_SHUTDOWN_TIMEOUT=%s must be positive", o.ShutdownTimeout)
	}
	if o.LeaseTTL, err = cfg.Duration("SALESENGINE_LEASE_TTL"); err != nil {
		return err
	}
	// Renewed every 2 s: a shorter TTL would let a busy database or a GC pause hand leases around.
	if o.LeaseTTL < MinLeaseTTL {
		return fmt.Errorf("SALESENGINE_LEASE_TTL=%s must be at least %s", o.LeaseTTL, MinLeaseTTL)
	}
	return nil
}
