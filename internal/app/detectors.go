package app

// Detector families register themselves when imported; subsystem files
// (graph.go, applicants.go, ...) blank-import their own detector packages.
// This file lists the rest of the build's detector set.
