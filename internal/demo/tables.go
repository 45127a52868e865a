package demo

import "time"

// This file is the demo company's funnel in one place: how many leads each
// source brings, what they ask for, and how well they convert. The numbers
// are tuned so the whole data set lands in typical B2B ranges (inquiry→MQL
// 30-45%, MQL→SQL 30-50%, SQL→opportunity 60-70%, win rate 20-30%) while the
// sources differ enough for Accord's statistics to find something.

// source is one lead source and how its leads behave.
type source struct {
	name  string
	share float64 // of all first inquiries
	// offers and segments are drawn with these weights.
	offers   []weighted[string]
	segments [3]float64 // smb, mid_market, enterprise
	// campaigns name the programs; "{Q}" becomes the quarter ("2026-Q3")
	// and "{Y}" the year of the inquiry.
	campaigns []weighted[string]
	junk      float64 // students, competitors, job seekers
	scoreAdj  float64
	// Conversion, each given the step before: the SDR accepts a lead they
	// reached, the SDR qualifies an accepted lead (SQL), the AE turns the
	// SQL into an opportunity, the opportunity is won.
	accept, qualify, opp, win float64
}

var sources = []source{
	{
		name: "webinar", share: 0.19,
		offers:    []weighted[string]{{"webinar", 0.92}, {"demo_request", 0.08}},
		segments:  [3]float64{0.45, 0.38, 0.17},
		campaigns: nil, // named after the webinar, see webinarTopics
		junk:      0.06, scoreAdj: 0,
		accept: 0.70, qualify: 0.80, opp: 0.66, win: 0.28,
	},
	{
		name: "paid_search", share: 0.21,
		offers:   []weighted[string]{{"demo_request", 0.15}, {"free_trial", 0.25}, {"ebook", 0.48}, {"contact_sales", 0.12}},
		segments: [3]float64{0.62, 0.30, 0.08},
		campaigns: []weighted[string]{
			{"Google Ads – Brand", 0.35}, {"Google Ads – Forecasting Software", 0.35},
			{"Google Ads – Competitor", 0.15}, {"Bing Ads – Brand", 0.15},
		},
		junk: 0.05, scoreAdj: 0,
		accept: 0.74, qualify: 0.80, opp: 0.64, win: 0.26,
	},
	{
		name: "organic_search", share: 0.17,
		offers:   []weighted[string]{{"demo_request", 0.14}, {"contact_sales", 0.10}, {"free_trial", 0.18}, {"ebook", 0.58}},
		segments: [3]float64{0.55, 0.33, 0.12},
		campaigns: []weighted[string]{
			{"Website – Pricing Page", 0.35}, {"Website – Blog", 0.45}, {"Website – Homepage", 0.20},
		},
		junk: 0.07, scoreAdj: 2,
		accept: 0.78, qualify: 0.83, opp: 0.68, win: 0.30,
	},
	{
		name: "trade_show", share: 0.13,
		offers:    []weighted[string]{{"event_badge_scan", 0.88}, {"demo_request", 0.12}},
		segments:  [3]float64{0.30, 0.40, 0.30},
		campaigns: nil, // named after the show, see tradeShows
		junk:      0.12, scoreAdj: -4,
		accept: 0.55, qualify: 0.70, opp: 0.56, win: 0.17,
	},
	{
		name: "content_download", share: 0.15,
		offers:   []weighted[string]{{"ebook", 0.90}, {"webinar", 0.10}},
		segments: [3]float64{0.55, 0.32, 0.13},
		campaigns: []weighted[string]{
			{"Ebook: The Revenue Forecasting Playbook", 0.35}, {"Report: {Y} Pipeline Benchmarks", 0.30},
			{"Template: QBR Deck", 0.20}, {"Guide: Sales & Marketing SLAs", 0.15},
		},
		junk: 0.10, scoreAdj: 0,
		accept: 0.62, qualify: 0.75, opp: 0.62, win: 0.23,
	},
	{
		name: "referral", share: 0.04,
		offers:    []weighted[string]{{"contact_sales", 0.60}, {"demo_request", 0.40}},
		segments:  [3]float64{0.40, 0.40, 0.20},
		campaigns: []weighted[string]{{"Customer Referral Program", 1}},
		junk:      0.01, scoreAdj: 10,
		accept: 0.92, qualify: 0.90, opp: 0.80, win: 0.46,
	},
	{
		name: "partner", share: 0.05,
		offers:   []weighted[string]{{"contact_sales", 0.40}, {"demo_request", 0.25}, {"webinar", 0.35}},
		segments: [3]float64{0.35, 0.42, 0.23},
		campaigns: []weighted[string]{
			{"Partner: Fabrikam Consulting", 0.45}, {"Partner: Contoso Marketplace", 0.35}, {"Partner: Tailspin Advisory", 0.20},
		},
		junk: 0.02, scoreAdj: 6,
		accept: 0.85, qualify: 0.86, opp: 0.72, win: 0.36,
	},
	{
		// Outbound prospects are found by SDRs, not by marketing: they have
		// no offer, start owned by the SDR and skip the MQL stage.
		name: "outbound", share: 0.06,
		offers:   nil,
		segments: [3]float64{0.20, 0.45, 0.35},
		campaigns: []weighted[string]{
			{"{Q} Outbound: Enterprise Finance", 0.5}, {"{Q} Outbound: Mid-Market RevOps", 0.5},
		},
		junk: 0, scoreAdj: 0,
		accept: 0.60, qualify: 0.78, opp: 0.60, win: 0.22,
	},
}

// webinarTopics name the monthly webinar series, one topic per event.
var webinarTopics = []string{
	"Forecasting", "Pipeline Hygiene", "Board-Ready Revenue Metrics",
	"Territory & Quota Planning", "Closing the Marketing–Sales Gap", "Win-Rate Forensics",
}

// tradeShows are the events Northwind has a booth at, placed at these
// fractions of the demo window; their badge scans are imported in one burst
// a few days after the show, which is what swamps the SDR queue.
var tradeShows = []struct {
	name     string
	at       float64
	size     float64 // share of all trade-show leads
	location string  // where attendees come from: "us" or "emea"
}{
	{"RevOps Summit {Y} – Chicago", 0.18, 0.45, "us"},
	{"FinanceForward {Y} – London", 0.52, 0.25, "emea"},
	{"Data Leaders Expo {Y} – San Francisco", 0.83, 0.30, "us"},
}

// offers: base is the score an offer starts from, intent the chance that
// one outreach attempt reaches someone who asked for it.
var offers = map[string]struct{ base, intent float64 }{
	"demo_request":     {58, 0.30},
	"contact_sales":    {56, 0.28},
	"free_trial":       {40, 0.22},
	"webinar":          {30, 0.16},
	"ebook":            {24, 0.14},
	"event_badge_scan": {22, 0.11},
	"":                 {30, 0.07}, // outbound: a cold prospect
}

// highIntent offers make a lead an MQL whatever its score.
func highIntent(offer string) bool { return offer == "demo_request" || offer == "contact_sales" }

// mqlScore is the score at or above which marketing hands a lead over.
const mqlScore = 50

// seniorities with their share of leads, score bonus and how much more
// often the SDR accepts them once reached.
var seniorities = []struct {
	name   string
	share  float64
	bonus  float64
	accept float64
}{
	{"ic", 0.34, 0, 0.80},
	{"manager", 0.30, 7, 1.00},
	{"director", 0.20, 14, 1.08},
	{"vp", 0.11, 19, 1.12},
	{"c_level", 0.05, 22, 1.12},
}

// segments: share is set per source; here are deal size, sales cycle and
// how the segment shifts the score and the win rate.
var segments = []struct {
	name      string
	amount    float64 // median first-year contract, USD
	cycleDays float64 // median days from opportunity to close
	employees [2]int
	bonus     float64
	win       float64
	product   string
}{
	{"smb", 8000, 24, [2]int{20, 200}, 0, 1.10, "Northwind Forecast Starter"},
	{"mid_market", 30000, 48, [2]int{200, 2000}, 4, 1.00, "Northwind Forecast Professional"},
	{"enterprise", 120000, 85, [2]int{2000, 40000}, 8, 0.80, "Northwind Forecast Enterprise"},
}

// Opportunity stages in order, with the share of the cycle at which the
// deal reaches each one.
var oppStages = []struct {
	name string
	at   float64
}{
	{"discovery", 0}, {"demo", 0.2}, {"proposal", 0.55}, {"negotiation", 0.8},
}

// Reasons people give, with weights.
var (
	sdrRejectReasons = []weighted[string]{
		{"no budget", 0.30}, {"no project", 0.25}, {"timing", 0.25}, {"already using a competitor", 0.20},
	}
	sdrDisqualifyReasons = []weighted[string]{
		{"wrong persona", 0.55}, {"too small", 0.45},
	}
	junkReasons = []weighted[string]{
		{"student", 0.45}, {"competitor", 0.20}, {"job seeker", 0.15}, {"invalid email", 0.20},
	}
	aeRejectReasons = []weighted[string]{
		{"no budget", 0.30}, {"no decision maker involved", 0.25}, {"timing: next fiscal year", 0.30}, {"not a fit", 0.15},
	}
	lossReasons = []weighted[string]{
		{"chose competitor", 0.30}, {"no decision", 0.30}, {"price", 0.15}, {"timing", 0.15}, {"kept spreadsheets", 0.10},
	}
)

// Shares of side paths.
const (
	reInquiryRate   = 0.055 // of leads resting in lead or nurture
	newDoorShare    = 0.45  // re-inquiries that come through a new lead_id
	lateScoreMQL    = 0.10  // non-MQL leads whose later engagement makes them MQL
	staleToNurture  = 0.40  // non-MQL leads moved to nurture after staleAfter
	staleAfter      = 30 * 24 * time.Hour
	junkCaughtEarly = 0.55 // junk that marketing ops disqualifies before it reaches an SDR
	noDisposition   = 0.07 // worked leads an SDR never gives feedback on
	lateShare       = 0.011
	duplicateShare  = 0.010
)

// Arrival pattern of inquiries in the lead's own time zone: weekday hourly
// weights (people fill in forms at work) and how much quieter weekends are.
var (
	weekdayHours = [24]float64{1, 1, 1, 1, 1, 2, 4, 8, 14, 18, 19, 18, 15, 16, 17, 15, 12, 8, 6, 5, 4, 3, 2, 1}
	weekendHours = [24]float64{1, 1, 1, 1, 1, 1, 2, 3, 5, 6, 7, 7, 7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 1}
)

const (
	weekendDayWeight = 0.22
	growth           = 0.25 // volume at the end of the window vs the start, +25%
)
