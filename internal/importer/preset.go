package importer

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Presets read the CSV exports two CRMs document. Each column lists the
// header names seen across export versions and languages settings; a column
// missing from a particular export only leaves its field empty (Import
// warns), since users choose which columns an export holds.
var presets = map[string]func() *Mapping{
	"hubspot-contacts": hubspotContacts,
	"salesforce-leads": salesforceLeads,
}

// PresetNames lists the built-in mappings.
func PresetNames() []string { return slices.Sorted(maps.Keys(presets)) }

// Preset returns a fresh copy of a built-in mapping, to use as is or to
// adjust with Set.
func Preset(name string) (*Mapping, error) {
	f, ok := presets[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return nil, fmt.Errorf("unknown preset %q (known: %s)", name, strings.Join(PresetNames(), ", "))
	}
	return f(), nil
}

// crmDateFormats covers the date styles CRM exports use: ISO with or
// without seconds, and US month-first dates with or without a time.
var crmDateFormats = []string{
	"rfc3339",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"1/2/2006 15:04:05",
	"1/2/2006 15:04",
	"1/2/2006 3:04 PM",
	"1/2/2006",
}

// hubspotStages covers HubSpot's default lifecycle stages by internal value
// and by label. "Other" is HubSpot's catch-all, not a funnel step, so it
// sets no stage; Evangelists are customers who promote the product.
var hubspotStages = map[string]string{
	"subscriber":               "inquiry",
	"lead":                     "lead",
	"marketingqualifiedlead":   "mql",
	"marketing qualified lead": "mql",
	"salesqualifiedlead":       "sql",
	"sales qualified lead":     "sql",
	"opportunity":              "opportunity",
	"customer":                 "customer",
	"evangelist":               "customer",
	"other":                    "",
}

func hubspotContacts() *Mapping {
	return &Mapping{
		Name:        "hubspot-contacts",
		DateFormats: slices.Clone(crmDateFormats),
		OccurredAt:  Col("Create Date", "Created Date"),
		Lead: &LeadMap{
			LeadID:    Col("Record ID", "Contact ID", "Record ID - Contact"),
			Email:     Col("Email"),
			FirstName: Col("First Name"),
			LastName:  Col("Last Name"),
			Company:   Col("Company Name", "Company"),
			Title:     Col("Job Title"),
			Phone:     Col("Phone Number", "Mobile Phone Number"),
			Country:   Col("Country/Region", "Country"),
			Source:    Col("Original Source", "Latest Source"),
			Score:     Field{Columns: []string{"HubSpot Score"}, Type: "number"},
			Attributes: map[string]Field{
				"hubspot_lead_status":   Col("Lead Status"),
				"source_drill_down_1":   Col("Original Source Drill-Down 1"),
				"source_drill_down_2":   Col("Original Source Drill-Down 2"),
				"industry":              Col("Industry"),
				"hubspot_last_modified": Col("Last Modified Date"),
			},
		},
		Stages: []StageRule{{Stage: Field{Columns: []string{"Lifecycle Stage"}, Values: maps.Clone(hubspotStages)}}},
		Assign: &AssignMap{Owner: Col("Contact owner", "Contact Owner", "HubSpot Owner")},
	}
}

// salesforceStatuses covers Salesforce's default lead statuses plus values
// orgs commonly add. Converted leads become an account, contact and usually
// an opportunity; "Working" means sales has accepted and is working the lead.
var salesforceStatuses = map[string]string{
	"open - not contacted":     "lead",
	"working - contacted":      "sql",
	"closed - converted":       "opportunity",
	"closed - not converted":   "disqualified",
	"new":                      "lead",
	"open":                     "lead",
	"contacted":                "sql",
	"working":                  "sql",
	"mql":                      "mql",
	"marketing qualified":      "mql",
	"marketing qualified lead": "mql",
	"sql":                      "sql",
	"sales qualified":          "sql",
	"sales qualified lead":     "sql",
	"qualified":                "sql",
	"unqualified":              "disqualified",
	"disqualified":             "disqualified",
	"nurture":                  "nurture",
	"recycled":                 "nurture",
	"converted":                "opportunity",
}

func salesforceLeads() *Mapping {
	return &Mapping{
		Name:        "salesforce-leads",
		DateFormats: slices.Clone(crmDateFormats),
		OccurredAt:  Col("Create Date", "Created Date"),
		Lead: &LeadMap{
			LeadID:    Col("Lead ID", "Id"),
			Email:     Col("Email"),
			FirstName: Col("First Name"),
			LastName:  Col("Last Name"),
			Title:     Col("Title"),
			Company:   Col("Company / Account", "Company"),
			Phone:     Col("Phone", "Mobile", "Mobile Phone"),
			Country:   Col("Country"),
			Source:    Col("Lead Source"),
			Attributes: map[string]Field{
				"salesforce_lead_status": Col("Lead Status"),
				"rating":                 Col("Rating"),
				"industry":               Col("Industry"),
			},
		},
		Stages: []StageRule{{Stage: Field{Columns: []string{"Lead Status"}, Values: maps.Clone(salesforceStatuses)}}},
		Assign: &AssignMap{Owner: Col("Lead Owner")},
	}
}
