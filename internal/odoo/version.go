package odoo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// ServerVersion is the Odoo version a server reports.
type ServerVersion struct {
	Major int    // 16, 17, 18, 19...
	Minor int    // 0 for a stable release, 1..4 for SaaS intermediate releases
	SaaS  bool   // Odoo Online / SaaS branch (server_version_info[0] is "saas~NN")
	Raw   string // server_version as sent, e.g. "17.0", "saas~17.1+e"
}

func (v ServerVersion) String() string {
	if v.Raw != "" {
		return v.Raw
	}
	if v.Major == 0 {
		return "unknown"
	}
	if v.SaaS {
		return fmt.Sprintf("saas~%d.%d", v.Major, v.Minor)
	}
	return fmt.Sprintf("%d.%d", v.Major, v.Minor)
}

// AtLeast reports whether the server is major.minor or newer (saas~17.2 is newer than 17.0 and older than 18.0).
func (v ServerVersion) AtLeast(major, minor int) bool {
	return v.Major > major || v.Major == major && v.Minor >= minor
}

// parseVersion reads common.version() or GET /web/version. server_version_info[0] is an int on-premise and a
// string ("saas~17") on SaaS.
func parseVersion(raw json.RawMessage) (ServerVersion, error) {
	var r struct {
		ServerVersion jsonString        `json:"server_version"`
		Info          []json.RawMessage `json:"server_version_info"`
		Version       jsonString        `json:"version"`
		VersionInfo   []json.RawMessage `json:"version_info"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return ServerVersion{}, &ProtocolError{Protocol: "version", Model: "common", Method: "version",
			Detail: "expected an object with server_version_info", Err: err}
	}
	v := ServerVersion{Raw: string(r.ServerVersion)}
	info := r.Info
	if len(info) == 0 {
		info = r.VersionInfo
	}
	if v.Raw == "" {
		v.Raw = string(r.Version)
	}
	if len(info) > 0 {
		first := bytes.TrimSpace(info[0])
		if len(first) > 0 && first[0] == '"' {
			var s string
			if json.Unmarshal(first, &s) == nil {
				v.Major, v.SaaS = parseMajor(s)
			}
		} else {
			var n jsonInt
			if n.UnmarshalJSON(first) == nil {
				v.Major = int(n)
			}
		}
		if len(info) > 1 {
			var n jsonInt
			if n.UnmarshalJSON(bytes.TrimSpace(info[1])) == nil {
				v.Minor = int(n)
			} else {
				var s string
				if json.Unmarshal(info[1], &s) == nil {
					v.Minor, _ = strconv.Atoi(s)
				}
			}
		}
	}
	if v.Major == 0 && v.Raw != "" {
		v.Major, v.SaaS = parseMajor(v.Raw)
		if i := strings.IndexByte(v.Raw, '.'); i >= 0 {
			v.Minor, _ = strconv.Atoi(leadingDigits(v.Raw[i+1:]))
		}
	}
	if strings.HasPrefix(v.Raw, "saas") {
		v.SaaS = true
	}
	if v.Major <= 0 {
		return ServerVersion{}, &ProtocolError{Protocol: "version", Model: "common", Method: "version",
			Detail: "no usable version in the answer: " + snippet(raw)}
	}
	return v, nil
}

// parseMajor reads "17", "17.0", "saas~17", "saas~17.1+e".
func parseMajor(s string) (int, bool) {
	saas := false
	if rest, ok := strings.CutPrefix(s, "saas~"); ok {
		s, saas = rest, true
	} else if rest, ok := strings.CutPrefix(s, "saas-"); ok {
		s, saas = rest, true
	}
	n, _ := strconv.Atoi(leadingDigits(s))
	return n, saas
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && i < 9 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}
