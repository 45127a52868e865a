package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/accordhq/accord/internal/event"
)

// eventID derives an event's idempotency key from what the event says. The
// same row imported again yields the same id and body, so ingest counts it
// as a duplicate; a row that changed in a re-export yields a new id, so it
// lands as an update instead of an idempotency conflict. The row's position
// is left out on purpose: re-sorting an export must not duplicate it.
func eventID(name string, typ event.Type, at time.Time, data []byte) string {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n'})
	h.Write([]byte(typ))
	h.Write([]byte{'\n'})
	h.Write([]byte(at.UTC().Format(time.RFC3339Nano)))
	h.Write([]byte{'\n'})
	h.Write(data)
	return "import:" + name + ":" + string(typ) + ":" + hex.EncodeToString(h.Sum(nil)[:12])
}
