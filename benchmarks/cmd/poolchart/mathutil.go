package main

import "math"

func log10(v float64) float64 { return math.Log10(v) }

func pow10floor(v float64) float64 { return math.Pow(10, math.Floor(math.Log10(v))) }

func pow10ceil(v float64) float64 { return math.Pow(10, math.Ceil(math.Log10(v))) }
