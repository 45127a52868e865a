package demo

import (
	"fmt"
	"strings"
)

// The prospects' world: where they are, what they are called, where they
// work. Every name is made up; every email domain ends in .example.

// place is a country and one of its time zones, with the region that
// decides which SDR and AE team it is routed to.
type place struct {
	country, zone, region string // region: east, west, emea
	phone                 func(d dice) string
}

func usPhone(area string) func(d dice) string {
	// 555-0100 to 555-0199 is the range set aside for fiction.
	return func(d dice) string { return fmt.Sprintf("+1 %s-555-01%02d", area, d.intn(100)) }
}

// in reports whether p belongs to region: "" (anywhere), "us" (a trade
// show's American audience) or a routing region.
func (p place) in(region string) bool {
	switch region {
	case "":
		return true
	case "us":
		return p.country == "US"
	}
	return p.region == region
}

var places = []weighted[place]{
	{place{"US", "America/New_York", "east", usPhone("212")}, 0.29},
	{place{"US", "America/Chicago", "east", usPhone("312")}, 0.21},
	{place{"US", "America/Denver", "west", usPhone("303")}, 0.06},
	{place{"US", "America/Los_Angeles", "west", usPhone("415")}, 0.14},
	{place{"CA", "America/Toronto", "east", usPhone("416")}, 0.035},
	{place{"CA", "America/Vancouver", "west", usPhone("604")}, 0.015},
	{place{"GB", "Europe/London", "emea", func(d dice) string { return fmt.Sprintf("+44 20 7946 0%03d", d.intn(1000)) }}, 0.11},
	{place{"DE", "Europe/Berlin", "emea", func(d dice) string { return fmt.Sprintf("+49 30 23125 %03d", d.intn(1000)) }}, 0.04},
	{place{"NL", "Europe/Amsterdam", "emea", nil}, 0.03},
	{place{"AU", "Australia/Sydney", "west", func(d dice) string { return fmt.Sprintf("+61 2 5550 %04d", d.intn(10000)) }}, 0.06},
}

var firstNames = []string{
	"Aaron", "Adele", "Amara", "Andrea", "Arjun", "Beatriz", "Ben", "Bianca", "Caleb", "Camila",
	"Chidi", "Clara", "Daniel", "Dana", "Diego", "Elif", "Emma", "Farah", "Felix", "Fiona",
	"Gabriel", "Grace", "Hamza", "Helen", "Ines", "Isaac", "Jamal", "Jana", "Jonas", "Julia",
	"Kai", "Karen", "Keisha", "Lars", "Leah", "Liam", "Lucia", "Malik", "Marta", "Mateo",
	"Mei", "Miguel", "Nadia", "Nathan", "Noah", "Olga", "Omar", "Paula", "Peter", "Quinn",
	"Rafael", "Rina", "Robert", "Sana", "Sean", "Selin", "Simon", "Tara", "Theo", "Uma",
	"Victor", "Wendy", "Xavier", "Yara", "Yusuf", "Zara", "Anders", "Brigid", "Chen", "Dmitri",
}

var lastNames = []string{
	"Abbott", "Achebe", "Andersen", "Bauer", "Bianchi", "Brennan", "Castillo", "Chowdhury", "Cohen", "Dubois",
	"Eriksen", "Fischer", "Fitzgerald", "Garcia", "Goldberg", "Gupta", "Haddad", "Hansen", "Holloway", "Ibarra",
	"Ivanova", "Jensen", "Kapoor", "Kaur", "Keller", "Kowalski", "Lambert", "Larsen", "Lindqvist", "Lopez",
	"Mahmoud", "Marino", "McCarthy", "Mendes", "Moreau", "Murphy", "Nakamura", "Novak", "Okafor", "Olsen",
	"Pereira", "Petrov", "Quist", "Ramirez", "Reddy", "Richter", "Sato", "Schmidt", "Shapiro", "Silva",
	"Singh", "Sullivan", "Takahashi", "Thornton", "Umar", "Varga", "Vasquez", "Wagner", "Whitaker", "Yamamoto",
	"Yilmaz", "Zhang", "Zielinski", "Baptiste", "Delgado", "Ferreira", "Horvat", "Lindgren", "Mwangi", "Oyelaran",
}

var companyWords = []string{
	"Bluefin", "Harborview", "Cedar", "Summit", "Ironwood", "Brightline", "Quarry", "Lumen", "Pioneer", "Rowan",
	"Silverleaf", "Tidewater", "Granite", "Copperfield", "Beacon", "Meridian", "Oakridge", "Crescent", "Falcon", "Juniper",
	"Keystone", "Lakeshore", "Maple", "Orchard", "Pinnacle", "Riverbend", "Sable", "Trellis", "Vantage", "Willow",
	"Zephyr", "Alder", "Birchwood", "Cobalt", "Driftwood", "Evergreen", "Foxglove", "Glacier", "Heron", "Kestrel",
	"Amberly", "Bayside", "Clearwater", "Dunmore", "Elmstead", "Fairhaven", "Greystone", "Highgate", "Ivybridge", "Larkspur",
	"Marlow", "Northgate", "Oxbow", "Peregrine", "Rosewood", "Saltmarsh", "Thornbury", "Upland", "Westbrook", "Yarrow",
}

// industries pair a company-name suffix with the industry it implies.
var industries = []struct{ suffix, industry string }{
	{"Logistics", "logistics"}, {"Freight", "logistics"}, {"Health", "healthcare"}, {"Biotech", "healthcare"},
	{"Software", "software"}, {"Systems", "software"}, {"Networks", "software"}, {"Foods", "consumer goods"},
	{"Retail", "retail"}, {"Manufacturing", "manufacturing"}, {"Robotics", "manufacturing"}, {"Materials", "manufacturing"},
	{"Financial", "financial services"}, {"Insurance", "financial services"}, {"Energy", "energy"},
	{"Media", "media"}, {"Hospitality", "hospitality"}, {"Security", "software"}, {"Capital", "financial services"},
	{"Pharma", "healthcare"}, {"Brands", "consumer goods"}, {"Industries", "manufacturing"},
}

// Titles by seniority: the people who buy forecasting software, and a few
// who fill in forms without buying anything.
var titles = map[string][]string{
	"ic":       {"Revenue Operations Analyst", "Sales Operations Analyst", "FP&A Analyst", "Data Analyst", "Business Analyst", "Sales Operations Specialist"},
	"manager":  {"Revenue Operations Manager", "Sales Operations Manager", "FP&A Manager", "Sales Manager", "Marketing Operations Manager"},
	"director": {"Director of Revenue Operations", "Director of Finance", "Director of Sales", "Director of FP&A", "Director of Business Intelligence"},
	"vp":       {"VP Sales", "VP Finance", "VP Revenue Operations", "VP Marketing", "SVP Sales"},
	"c_level":  {"CFO", "CRO", "CEO", "COO", "Chief Revenue Officer"},
}

// junkTitles are the form-fillers SDRs reject: reason → title.
var junkTitles = map[string]string{
	"student":       "Student",
	"competitor":    "Account Executive",
	"job seeker":    "Looking for opportunities",
	"invalid email": "asdf",
}

// account is a prospect company; several leads can come from one.
type account struct {
	name, domain, segment, industry string
	employees                       int
	place                           place
}

// world hands out accounts and unique email addresses.
type world struct {
	accounts map[string][]*account // by segment and region
	names    map[string]bool
	emails   map[string]bool
}

func newWorld() *world {
	return &world{accounts: map[string][]*account{}, names: map[string]bool{}, emails: map[string]bool{}}
}

// account returns a company of the segment in region ("" for anywhere):
// often one already seen, since buying committees send several people.
func (w *world) account(d dice, seg int, region string) *account {
	key := fmt.Sprint(seg, region)
	if pool := w.accounts[key]; len(pool) > 12 && d.chance(0.4) {
		return oneOf(d, pool)
	}
	pl := pick(d, places)
	for !pl.in(region) {
		pl = pick(d, places)
	}
	var name, ind string
	for try := 0; ; try++ {
		in := oneOf(d, industries)
		name, ind = oneOf(d, companyWords)+" "+in.suffix, in.industry
		if try > 10 {
			// The plain names run out in large demos; a second word keeps
			// them plausible, and a number keeps huge demos finite.
			name = oneOf(d, companyWords) + " " + name
		}
		if try > 100 {
			name = fmt.Sprintf("%s %d", name, try)
		}
		if !w.names[name] {
			break
		}
	}
	w.names[name] = true
	s := segments[seg]
	a := &account{
		name:      name,
		domain:    strings.ToLower(strings.ReplaceAll(name, " ", "")) + ".example",
		segment:   s.name,
		industry:  ind,
		employees: d.between(s.employees[0], s.employees[1]),
		place:     pl,
	}
	w.accounts[key] = append(w.accounts[key], a)
	return a
}

// person invents someone at a, with an email address nobody else has.
func (w *world) person(d dice, a *account) (name, email string) {
	for {
		first, last := oneOf(d, firstNames), oneOf(d, lastNames)
		f, l := strings.ToLower(first), strings.ToLower(last)
		for _, local := range []string{f + "." + l, f[:1] + l, f + l[:1], f + "." + l + fmt.Sprint(d.between(2, 99))} {
			e := local + "@" + a.domain
			if !w.emails[e] {
				w.emails[e] = true
				return first + " " + last, e
			}
		}
	}
}

// throwaway is the kind of address people type to get past a form.
func (w *world) throwaway(d dice) string {
	for {
		e := fmt.Sprintf("test%d@mail.example", d.between(1, 99999))
		if !w.emails[e] {
			w.emails[e] = true
			return e
		}
	}
}
