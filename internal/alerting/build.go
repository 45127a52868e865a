package alerting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accordhq/accord/internal/agreement"
	"github.com/accordhq/accord/internal/lead"
	"github.com/accordhq/accord/internal/notify"
	"github.com/accordhq/accord/internal/obligation"
	"github.com/accordhq/accord/internal/people"
	"github.com/accordhq/accord/internal/store"
	"github.com/accordhq/accord/internal/versions"
)

// message is what one delivery carries, built once when its alert fires
// and sent unchanged on every attempt.
type message struct {
	Notification wireNotification `json:"notification"`
	// To is whom an email goes to.
	To []string `json:"to,omitempty"`
	// Reassign is an escalation's reassignment, for the reassign channel.
	Reassign *reassignment `json:"reassign,omitempty"`
	// Letter is a digest, for the digest channel (mailed to To).
	Letter *notify.Letter `json:"letter,omitempty"`
}

// reassignment moves a late lead to the next person of its team.
type reassignment struct {
	LeadID       string    `json:"lead_id"`
	ObligationID string    `json:"obligation_id"`
	From         string    `json:"from"`
	Team         string    `json:"team"`
	At           time.Time `json:"at"`
}

// wireNotification is notify.Notification as stored: the time zone by name.
type wireNotification struct {
	ID               string        `json:"id"`
	Kind             notify.Kind   `json:"kind"`
	LeadID           string        `json:"lead_id"`
	LeadName         string        `json:"lead_name,omitempty"`
	Company          string        `json:"company,omitempty"`
	Rule             string        `json:"rule"`
	AgreementVersion string        `json:"agreement_version"`
	Obligation       string        `json:"obligation"`
	Owner            string        `json:"owner,omitempty"`
	Team             string        `json:"team,omitempty"`
	DueAt            time.Time     `json:"due_at"`
	FiredAt          time.Time     `json:"fired_at"`
	Late             time.Duration `json:"late"`
	TimeLeft         time.Duration `json:"time_left"`
	LeadURL          string        `json:"lead_url,omitempty"`
	Recipients       []string      `json:"recipients,omitempty"`
	Location         string        `json:"location,omitempty"`
}

func (w wireNotification) notification() notify.Notification {
	n := notify.Notification{ID: w.ID, Kind: w.Kind, LeadID: w.LeadID, LeadName: w.LeadName, Company: w.Company,
		Rule: w.Rule, AgreementVersion: w.AgreementVersion, Obligation: w.Obligation, Owner: w.Owner, Team: w.Team,
		DueAt: w.DueAt, FiredAt: w.FiredAt, Late: w.Late, TimeLeft: w.TimeLeft, LeadURL: w.LeadURL, Recipients: w.Recipients}
	if loc, err := time.LoadLocation(w.Location); err == nil && w.Location != "" {
		n.Location = loc
	}
	return n
}

// builder turns due alerts into deliveries.
type builder struct {
	cfg   Config
	st    store.Store
	book  *versions.Book
	now   time.Time
	leads map[string]*lead.Lead
	ppl   map[string]*people.Person
}

// build is FireAlerts' callback: one delivery per channel each alert must
// reach. It reads leads and people, which are not locked by the firing
// transaction; a lead renamed meanwhile is named either way.
func (b *builder) build(ctx context.Context, due []store.DueAlert) ([]store.NewDelivery, error) {
	if b.ppl == nil {
		ps, err := b.st.People(ctx)
		if err != nil {
			return nil, err
		}
		b.ppl = map[string]*people.Person{}
		for _, p := range ps {
			b.ppl[p.PersonID] = p
		}
	}
	var out []store.NewDelivery
	for _, d := range due {
		l, err := b.lead(ctx, d.LeadKey)
		if err != nil {
			return nil, err
		}
		dels, err := b.deliveries(d, l)
		if err != nil {
			return nil, fmt.Errorf("alert %s: %w", d.ID, err)
		}
		out = append(out, dels...)
	}
	return out, nil
}

func (b *builder) lead(ctx context.Context, key string) (*lead.Lead, error) {
	if l, ok := b.leads[key]; ok {
		return l, nil
	}
	l, err := b.st.Lead(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		l, err = lead.New(key), nil // merged away since: still say which
	}
	if err != nil {
		return nil, err
	}
	if b.leads == nil {
		b.leads = map[string]*lead.Lead{}
	}
	b.leads[key] = l
	return l, nil
}

func (b *builder) deliveries(d store.DueAlert, l *lead.Lead) ([]store.NewDelivery, error) {
	o := d.Obligation
	kind := notify.Kind(d.Kind)
	ag := b.book.Version(o.Version)
	esc := escalationOf(ag, o)
	n := wireNotification{
		ID: d.ID, Kind: kind, LeadID: o.LeadKey, LeadName: l.Name, Company: l.Company,
		Rule: o.Rule, AgreementVersion: "v" + strconv.Itoa(o.Version), Obligation: o.Kind.Words(),
		Owner: o.Owner, Team: o.Team, DueAt: o.DueAt, FiredAt: b.now, LeadURL: b.leadURL(o.LeadKey),
	}
	if kind == notify.Warning {
		n.TimeLeft = max(o.DueAt.Sub(b.now), 0)
	} else {
		n.Late = max(b.now.Sub(o.DueAt), 0)
	}
	if p := b.ppl[o.Owner]; p != nil && p.Timezone != "" {
		n.Location = p.Timezone
	} else if ag != nil && ag.Location != nil {
		n.Location = ag.Location.String()
	}

	// Who is told: the owner always; an escalation its recipients too.
	recips := []agreement.Recipient{{Kind: "owner"}}
	if kind == notify.Escalation && esc != nil {
		recips = esc.Notify
		if !slices.ContainsFunc(recips, func(r agreement.Recipient) bool { return r.Kind == "owner" }) {
			recips = append([]agreement.Recipient{{Kind: "owner"}}, recips...)
		}
	}
	var emails, slackChans []string
	for _, r := range recips {
		switch r.Kind {
		case "owner":
			n.Recipients = append(n.Recipients, "owner "+orUnknown(o.Owner))
			emails = append(emails, b.email(o.Owner)...)
		case "manager":
			mgrs := b.managers(o.Owner, o.Team)
			n.Recipients = append(n.Recipients, "manager "+orUnknown(strings.Join(mgrs, ", ")))
			for _, m := range mgrs {
				emails = append(emails, b.email(m)...)
			}
		case "team":
			n.Recipients = append(n.Recipients, "team "+orUnknown(o.Team))
			for _, p := range b.ppl {
				if p.Active && strings.EqualFold(p.Team, o.Team) {
					emails = append(emails, b.email(p.PersonID)...)
				}
			}
		case "channel":
			n.Recipients = append(n.Recipients, r.Target)
			slackChans = append(slackChans, r.Target)
		case "email":
			n.Recipients = append(n.Recipients, r.Target)
			emails = append(emails, r.Target)
		}
	}
	slices.Sort(emails)
	emails = slices.Compact(emails)

	var out []store.NewDelivery
	add := func(channel string, m message) error {
		body, err := json.Marshal(m)
		if err != nil {
			return err
		}
		out = append(out, store.NewDelivery{AlertID: d.ID, Channel: channel, Payload: body})
		return nil
	}
	base := message{Notification: n}
	for _, w := range b.cfg.Webhooks {
		if err := add(w.Name, base); err != nil {
			return nil, err
		}
	}
	for i, s := range b.cfg.Slack {
		if i == 0 || slices.Contains(slackChans, s.Channel) {
			if err := add(s.Name, base); err != nil {
				return nil, err
			}
		}
	}
	if b.cfg.Email != nil && len(emails) > 0 {
		if err := add(channelEmail, message{Notification: n, To: emails}); err != nil {
			return nil, err
		}
	}
	if kind == notify.Escalation && esc != nil && esc.Reassign == "round_robin" && o.Team != "" {
		if err := add(channelReassign, message{Notification: n, Reassign: &reassignment{
			LeadID: o.LeadKey, ObligationID: o.ID, From: o.Owner, Team: o.Team, At: b.now}}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// escalationOf finds the escalation of the rule or handoff that made o.
func escalationOf(ag *agreement.Agreement, o *obligation.Obligation) *agreement.Escalation {
	if ag == nil {
		return nil
	}
	for _, r := range ag.Sales {
		if r.Name == o.Rule {
			return r.Escalate
		}
	}
	for _, h := range ag.Handoffs {
		if "handoff "+h.From+" → "+h.To == o.Rule {
			return h.Escalate
		}
	}
	return nil
}

func (b *builder) email(personID string) []string {
	if p := b.ppl[personID]; p != nil && p.Email != "" {
		return []string{p.Email}
	}
	if strings.Contains(personID, "@") {
		return []string{personID}
	}
	return nil
}

// managers are the owner's manager, else the team's managers.
func (b *builder) managers(owner, team string) []string {
	if p := b.ppl[owner]; p != nil && p.Manager != "" {
		return []string{p.Manager}
	}
	var out []string
	for _, p := range b.ppl {
		if p.Active && strings.EqualFold(p.Team, team) && strings.Contains(strings.ToLower(p.Role), "manager") {
			out = append(out, p.PersonID)
		}
	}
	slices.Sort(out)
	return out
}

func (b *builder) leadURL(key string) string {
	base := strings.TrimSuffix(b.cfg.BaseURL, "/")
	if base == "" {
		return ""
	}
	return base + "/leads/" + url.PathEscape(key)
}

func orUnknown(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
