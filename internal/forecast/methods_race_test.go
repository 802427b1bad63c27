//go:build race

package forecast

// methodsRaceBuild is true under -race, where the hospital holdout (hundreds of thousands of likelihood
// evaluations) is too slow for CI; plain `go test` runs it.
const methodsRaceBuild = true
