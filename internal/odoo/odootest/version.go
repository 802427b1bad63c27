package odootest

import (
	"fmt"
	"strconv"
	"strings"
)

// version is the Odoo version the fake imitates.
type version struct {
	major, minor int
	saas         bool
}

func parseVersion(s string) (version, error) {
	if s == "" {
		s = "17"
	}
	raw := s
	var v version
	if rest, ok := strings.CutPrefix(s, "saas~"); ok {
		v.saas = true
		v.minor = 1
		s = rest
	}
	maj, min, hasMinor := strings.Cut(s, ".")
	n, err := strconv.Atoi(maj)
	if err != nil || n < 16 || n > 19 {
		return version{}, fmt.Errorf("odootest: unsupported version %q (want 16, 17, 18, 19 or saas~N[.M])", raw)
	}
	v.major = n
	if hasMinor {
		m, err := strconv.Atoi(min)
		if err != nil || m < 0 {
			return version{}, fmt.Errorf("odootest: unsupported version %q", raw)
		}
		v.minor = m
	}
	return v, nil
}

// atLeast compares (major, minor).
func (v version) atLeast(major, minor int) bool {
	return v.major > major || (v.major == major && v.minor >= minor)
}

// hasJSON2: the /json/2 endpoint shipped in 19.0 (and in the SaaS series from saas~18.4).
func (v version) hasJSON2() bool { return v.atLeast(18, 4) && (v.saas || v.major >= 19) }

// rpcErrorCode is the JSON-RPC error code for server errors: 200 up to 18, 0 from 19.
func (v version) rpcErrorCode() int {
	if v.hasJSON2() {
		return 0
	}
	return 200
}

// formatted_read_group arrives in saas~18.2 / 19, where read_group stays as a deprecated method.
func (v version) hasReadGroup() bool { return true }
func (v version) hasFormattedReadGroup() bool {
	return v.major >= 19 || (v.saas && v.atLeast(18, 2))
}
func (v version) hasDoneState() bool  { return v.major <= 16 }
func (v version) hasLocked() bool     { return v.major >= 17 }
func (v version) storableFlag() bool  { return v.major >= 18 }
func (v version) renamedUoMTax() bool { return v.major >= 19 }
func (v version) hasSubsection() bool { return v.major >= 19 }
func (v version) serie() string {
	if v.saas {
		return fmt.Sprintf("saas~%d.%d", v.major, v.minor)
	}
	return fmt.Sprintf("%d.%d", v.major, v.minor)
}

// versionInfo is common.version()'s answer; server_version_info[0] is a string on SaaS.
func (v version) versionInfo() obj {
	var first any = v.major
	serverVersion := v.serie()
	edition := ""
	if v.saas {
		first = fmt.Sprintf("saas~%d", v.major)
		serverVersion += "+e"
		edition = "e"
	}
	return obj{
		{"server_version", serverVersion},
		{"server_version_info", []any{first, v.minor, 0, "final", 0, edition}},
		{"server_serie", v.serie()},
		{"protocol_version", 1},
	}
}
