//go:build !race

package forecast

// selectionRaceBuild reports a -race build (see selection_race_test.go).
const selectionRaceBuild = false
