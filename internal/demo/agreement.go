package demo

import _ "embed"

// Agreement is the agreement Northwind's teams signed, in force over the
// whole demo window, so the demo has SLA clocks to show.
//
//go:embed agreement.yaml
var Agreement []byte

// Signers are the people who signed Agreement.
var Signers = []string{"Elena Marsh", "Jordan Reyes"}
