//go:build !soak

package cli

// soakTag is set by -tags soak; see soak.
const soakTag = false
