package app

// Detector families register themselves when imported; this list is the
// build's detector set.
import (
	_ "github.com/redflag-dev/redflag/internal/detect/records"
)
