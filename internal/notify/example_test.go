package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/accordhq/accord/internal/notify"
)

// A receiver checks each webhook with Verify before trusting it, and uses
// webhook-id to ignore retries of an alert it already handled.
func ExampleVerify() {
	secret := notify.NewSecret() // given to the endpoint once, stored on both sides
	seen := map[string]bool{}

	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err := notify.Verify(secret, r.Header, body, 5*time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		id := r.Header.Get("webhook-id")
		if seen[id] {
			return // a retry: answer 200 again, do nothing again
		}
		seen[id] = true
		var p notify.Payload
		_ = json.Unmarshal(body, &p)
		fmt.Println(p.Type, p.Data.Lead.Name, p.Data.LateSeconds/60, "minutes late")
	}))
	defer receiver.Close()

	due := time.Now().Add(-12 * time.Minute)
	n := notify.Notification{
		ID: "hs-1001:first_touch:breach", Kind: notify.Breach,
		LeadID: "hs-1001", LeadName: "Ana Ruiz", Company: "Acme",
		Obligation: "first touch", Rule: "speed to lead, tier A",
		DueAt: due, FiredAt: time.Now(), Late: 12 * time.Minute,
	}
	w := &notify.Webhook{URL: receiver.URL, Secret: secret}
	for range 2 { // the second send is a retry
		if err := w.Send(context.Background(), n); err != nil {
			fmt.Println(err)
		}
	}
	// Output: accord.sla.breach Ana Ruiz 12 minutes late
}
