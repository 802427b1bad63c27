package dburl

import (
	"strings"
	"testing"

	"github.com/salesengine/salesengine/internal/store"
)

// FuzzParse: any DATABASE_URL is refused with an error or read as a target; neither the error nor a PostgreSQL
// target's description ever shows the password the URL carries (a SQLite target is a path, shown as given).
func FuzzParse(f *testing.F) {
	for _, s := range []string{"postgres://u:hunter2@db:5432/sales?sslmode=require", "postgresql://u:hunter2@/db", "sqlite:/var/lib/se.db",
		"file:se.db?mode=ro", "se.db", "mysql://u:hunter2@h/db", "postgres://", "postgres://u:hunter2@[::1:5432/db", "postgres://u:%zz@h/db", ""} {
		f.Add(s)
	}
	// describe is what a user sees of raw: the error, or a PostgreSQL target's description.
	describe := func(raw string) (string, bool) {
		tgt, err := Parse(raw)
		if err != nil {
			return err.Error(), true
		}
		return tgt.String(), tgt.Dialect == store.DialectPostgres
	}
	f.Fuzz(func(t *testing.T, raw string) {
		shown, check := describe(raw)
		i := strings.Index(raw, "://")
		if !check || i < 0 {
			return
		}
		userinfo, _, ok := strings.Cut(raw[i+3:], "@")
		_, pw, hasPW := strings.Cut(userinfo, ":")
		if !ok || !hasPW || pw == "" {
			return
		}
		// The password counts as shown when the description holds it more often than that of the same URL with
		// another password (the text around may contain it by chance: "gres" in "postgres://").
		other, _ := describe(strings.Replace(raw, ":"+pw+"@", ":"+strings.Repeat("\x01", len(pw))+"@", 1))
		if strings.Count(shown, pw) > strings.Count(other, pw) {
			t.Fatalf("%q: the password shows in %q", raw, shown)
		}
	})
}
