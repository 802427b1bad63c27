//go:build !race

package forecast

// methodsRaceBuild is true under -race (see methods_race_test.go).
const methodsRaceBuild = false
