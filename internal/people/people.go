// Package people holds the reps, SDRs and managers leads are assigned to,
// with the team and time zone their clocks run in.
package people

import (
	"time"

	"github.com/accordhq/accord/internal/event"
)

// Person is a person's current record: the latest non-empty value of each
// field sent in person.upserted events.
type Person struct {
	PersonID  string    `json:"person_id"`
	Name      string    `json:"name,omitempty"`
	Email     string    `json:"email,omitempty"`
	Team      string    `json:"team,omitempty"`
	Role      string    `json:"role,omitempty"`
	Manager   string    `json:"manager,omitempty"`
	Timezone  string    `json:"timezone,omitempty"`
	Active    bool      `json:"active"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Apply merges one person.upserted payload into p. Unlike leads, people are
// small and rarely late, so the latest occurred_at wins per update.
func (p *Person) Apply(v *event.Person, at time.Time) {
	if p.PersonID == "" {
		p.PersonID = v.PersonID
		p.Active = true
	}
	if at.Before(p.UpdatedAt) {
		return
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&p.Name, v.Name)
	set(&p.Email, v.Email)
	set(&p.Team, v.Team)
	set(&p.Role, v.Role)
	set(&p.Manager, v.Manager)
	set(&p.Timezone, v.Timezone)
	if v.Active != nil {
		p.Active = *v.Active
	}
	p.UpdatedAt = at
}

// Team is a group of people with their manager(s), derived from people.
type Team struct {
	Name     string   `json:"name"`
	Managers []string `json:"managers,omitempty"`
	Members  []string `json:"members"`
}
