package event

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzQuickPaths checks the fast paths against encoding/json: wherever the
// fast split or envelope reader accepts input, the result must be exactly
// what the decoder gives.
func FuzzQuickPaths(f *testing.F) {
	for _, seed := range fuzzSeeds {
		f.Add([]byte(seed))
	}
	for _, s := range []string{
		`[{"id":"a","type":"t","occurred_at":null,"data":{"x":[1,{"y":"]}"}]}}, {"id":"b\u00e9"} ,{"ID":"c"}]`,
		`[ {"id":"a","id":"b","data":1,"data":"x"} , [1,2] , "s", 3, null, true ]`,
		`{"id":"\ud800","type":"x","data":{}}`, "[\"\xff\", {\"id\":\"\xff\"}]", `[]`, ` [ ] `,
	} {
		f.Add([]byte(s))
	}
	if b, err := os.ReadFile(filepath.Join("testdata", "batch.ndjson")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if !json.Valid(body) {
			return
		}
		raws := [][]byte{body}
		if trimmed := bytes.TrimSpace(body); trimmed[0] == '[' {
			raws = splitValidArray(body)
			slow, err := splitArraySlow(body, 0)
			if err != nil {
				t.Fatalf("decoder rejects a valid array: %v", err)
			}
			if len(slow) != len(raws) {
				t.Fatalf("split into %d elements, decoder into %d", len(raws), len(slow))
			}
			for i := range raws {
				if !bytes.Equal(raws[i], slow[i]) {
					t.Fatalf("element %d is %q, decoder says %q", i, raws[i], slow[i])
				}
			}
		}
		for _, raw := range raws {
			quick, ok := quickEnvelope(raw)
			if !ok {
				continue
			}
			var env envelope
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&env); err != nil {
				t.Fatalf("quick path accepts %q, decoder says %v", raw, err)
			}
			if _, err := dec.Token(); err != io.EOF {
				t.Fatalf("quick path accepts %q with trailing data", raw)
			}
			if !reflect.DeepEqual(quick, env) {
				t.Fatalf("quick path reads %q as %+v, decoder as %+v", raw, quick, env)
			}
		}
	})
}
