//go:build race

package forecast

// selectionRaceBuild reports a -race build: the race detector makes the hospital-scale runs 10-20x slower,
// and their accuracy figures do not depend on it.
const selectionRaceBuild = true
