package importer

import (
	"strings"
	"testing"

	"github.com/accordhq/accord/internal/event"
)

func TestPresets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		preset string
		csv    string
		// want: per row, "lead_id name email company source | stages | owner"
		want     []string
		rejected []string // reasons, in order
		warning  string
	}{
		{
			preset: "hubspot-contacts",
			csv: "Record ID,First Name,Last Name,Email,Phone Number,Company Name,Job Title,Lifecycle Stage,Lead Status,Contact owner,Create Date,Original Source,Original Source Drill-Down 1,Last Modified Date\n" +
				"101,Ann,Lee,ann@acme.com,+1 555 0100,Acme,CEO,marketingqualifiedlead,New,Jo Rep,2024-01-15 10:23,Paid Search,google,2024-02-01 09:00\n" +
				"102,Bob,,bob@beta.com,,Beta,,Sales Qualified Lead,Open,,2024-01-16 08:00,Organic Search,,\n" +
				"103,Cat,Kim,cat@gamma.com,,Gamma,,Evangelist,,Jo Rep,1/17/2024 14:05,Direct Traffic,,\n" +
				"104,Dan,Wu,dan@delta.com,,Delta,,other,,,2024-01-18,Offline Sources,,\n" +
				"105,Eve,Ng,eve@eps.com,,Eps,,Partner,,,2024-01-18,Offline Sources,,\n",
			want: []string{
				"101 Ann Lee ann@acme.com Acme Paid Search | mql | Jo Rep",
				"102 Bob bob@beta.com Beta Organic Search | sql | ",
				"103 Cat Kim cat@gamma.com Gamma Direct Traffic | customer | Jo Rep",
				"104 Dan Wu dan@delta.com Delta Offline Sources |  | ",
			},
			rejected: []string{`column "Lifecycle Stage": "Partner" is not in the values`},
		},
		{
			// An older export: "Contact ID" and "Company" instead of the
			// newer names, no owner column.
			preset: "hubspot-contacts",
			csv: "Contact ID,First Name,Last Name,Email,Company,Lifecycle Stage,Create Date\n" +
				"7,Fay,Li,fay@phi.com,Phi,Subscriber,2023-05-01 12:00:00\n",
			want:    []string{"7 Fay Li fay@phi.com Phi  | inquiry | "},
			warning: `assign.owner: the file has no column "Contact owner", "Contact Owner", "HubSpot Owner"; the field stays empty`,
		},
		{
			preset: "salesforce-leads",
			csv: "Lead ID,First Name,Last Name,Title,Company / Account,Email,Phone,Lead Source,Lead Status,Lead Owner,Create Date,Rating,Industry\n" +
				"00Q1,Ann,Lee,CEO,Acme,ann@acme.com,555,Web,Open - Not Contacted,Jo Rep,3/4/2024,Hot,Tech\n" +
				"00Q2,Bob,Ray,CTO,Beta,bob@beta.com,,Trade Show,Working - Contacted,Jo Rep,3/5/2024,,\n" +
				"00Q3,Cat,Kim,,Gamma,cat@gamma.com,,Partner Referral,Closed - Converted,Al Rep,2024-03-06,,\n" +
				"00Q4,Dan,Wu,,Delta,dan@delta.com,,Web,Closed - Not Converted,Al Rep,3/7/2024 9:15 AM,,\n" +
				"00Q5,Eve,Ng,,Eps,eve@eps.com,,Web,MQL,Al Rep,3/8/2024,,\n" +
				"00Q6,Fay,Li,,Phi,fay.phi.com,,Web,MQL,Al Rep,3/8/2024,,\n",
			want: []string{
				"00Q1 Ann Lee ann@acme.com Acme Web | lead | Jo Rep",
				"00Q2 Bob Ray bob@beta.com Beta Trade Show | sql | Jo Rep",
				"00Q3 Cat Kim cat@gamma.com Gamma Partner Referral | opportunity | Al Rep",
				"00Q4 Dan Wu dan@delta.com Delta Web | disqualified | Al Rep",
				"00Q5 Eve Ng eve@eps.com Eps Web | mql | Al Rep",
			},
			rejected: []string{`column "Email" (lead.upserted data.email)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.preset+"/"+strings.SplitN(tt.csv, ",", 2)[0], func(t *testing.T) {
			t.Parallel()
			m, err := Preset(tt.preset)
			if err != nil {
				t.Fatal(err)
			}
			sink := newMemSink(t)
			sum, _ := importString(t, m, sink, tt.csv, Options{})
			if sum.RowsImported != len(tt.want) || sum.RowsRejected != len(tt.rejected) {
				t.Errorf("summary %s; rejects %+v", sum.String(), sum.Rejects)
			}
			for i, r := range tt.rejected {
				if i >= len(sum.Rejects) || !strings.Contains(sum.Rejects[i].Reason, r) {
					t.Errorf("reject %d = %+v, want %q", i, sum.Rejects, r)
				}
			}
			if w := strings.Join(sum.Warnings, "\n"); !strings.Contains(w, tt.warning) {
				t.Errorf("warnings:\n%s\nwant %q", w, tt.warning)
			}
			got := describeLeads(sink)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("leads:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// describeLeads renders each imported lead with its stages and owner.
func describeLeads(s *memSink) []string {
	var out []string
	stages, owners := map[string]string{}, map[string]string{}
	for _, p := range s.payloads(event.LeadStageChanged) {
		v := p.(*event.StageChange)
		stages[v.LeadID] = strings.TrimSpace(stages[v.LeadID] + " " + v.Stage)
	}
	for _, p := range s.payloads(event.LeadAssigned) {
		v := p.(*event.Assignment)
		owners[v.LeadID] = v.Owner
	}
	for _, p := range s.payloads(event.LeadUpserted) {
		v := p.(*event.Lead)
		out = append(out, strings.Join([]string{v.LeadID, v.Name, v.Email, v.Company, v.Source, "|", stages[v.LeadID], "|", owners[v.LeadID]}, " "))
	}
	return out
}

func TestPresetNames(t *testing.T) {
	t.Parallel()
	if got := strings.Join(PresetNames(), ","); got != "hubspot-contacts,salesforce-leads" {
		t.Errorf("PresetNames = %s", got)
	}
	if _, err := Preset("pipedrive"); err == nil || !strings.Contains(err.Error(), "hubspot-contacts") {
		t.Errorf("unknown preset error should list the known ones: %v", err)
	}
	for _, name := range PresetNames() {
		m, _ := Preset(name)
		if err := m.Validate(); err != nil {
			t.Errorf("preset %s: %v", name, err)
		}
	}
}
