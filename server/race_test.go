//go:build race

package main

// raceFactor scales CPU bounds under the race detector.
const raceFactor = 10
