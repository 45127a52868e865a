package agreement

import "testing"

// TestMonthlyGoals works acme's bookings goal back through the funnel as
// its description says: 1,200,000 × 0.6 / 24,000 = 30 customers, ÷ 0.25 =
// 120 opportunities, ÷ 0.6 = 200 SQLs, ÷ 0.5 = 400 MQLs, ÷ 0.2 = 2,000 leads.
func TestMonthlyGoals(t *testing.T) {
	ag, err := ParseFile("../../examples/agreement/acme.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := ag.Goals.Monthly()
	want := Monthly{Bookings: 1200000, Customers: 30, Opportunities: 120, SQLs: 200, MQLs: 400, Leads: 2000}
	if got != want {
		t.Errorf("monthly goals %+v, want %+v", got, want)
	}
	g := *ag.Goals
	g.MQLsPerMonth = 350
	if m := g.Monthly(); m.MQLs != 350 || m.Leads != 2000 {
		t.Errorf("a goal the file sets wins: %+v", m)
	}
	var none *Goals
	if none.Monthly() != (Monthly{}) {
		t.Errorf("no goals should mean no goal")
	}
}
