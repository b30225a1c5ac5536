package records

import (
	"context"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/model"
)

var t0 = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

func run(t *testing.T, d detect.Detector, subs []model.Subject, evs []model.Event) map[string][]model.Finding {
	t.Helper()
	env := detect.NewEnv("default", subs, t0)
	col := detect.NewCollector()
	eng := detect.NewEngineWith(d)
	for i := range evs {
		eng.Observe(context.Background(), env, &evs[i], col.Emit)
	}
	if err := eng.Finish(context.Background(), env, col.Emit); err != nil {
		t.Fatal(err)
	}
	out := map[string][]model.Finding{}
	for _, f := range col.Findings() {
		out[f.SubjectID] = append(out[f.SubjectID], f)
	}
	return out
}

func pay(id, subject, fp string) model.Event {
	return model.Event{ID: id, Kind: model.EvPayroll, SubjectID: subject, Time: t0, Payroll: &model.Payroll{Event: "payment", AccountFP: fp}}
}

func TestSharedAccount(t *testing.T) {
	got := run(t, newSharedAccount(), nil, []model.Event{pay("e1", "a", "bank:1"), pay("e2", "b", "bank:1"), pay("e3", "a", "bank:1"), pay("e4", "c", "bank:2")})
	if len(got["a"]) != 1 || len(got["b"]) != 1 || len(got["c"]) != 0 {
		t.Fatalf("findings = %v", got)
	}
	f := got["a"][0]
	if f.Code != "PAY_SHARED_ACCOUNT" || len(f.Evidence) < 3 {
		t.Fatalf("finding = %+v", f)
	}
}

func ship(id, subject string, a model.Address) model.Event {
	return model.Event{ID: id, Kind: model.EvShipment, SubjectID: subject, Time: t0, Shipment: &model.Shipment{ShipmentID: id, Address: a}}
}

func TestFarmAddressSparesFamilies(t *testing.T) {
	farm := model.Address{Line: "1 Farm Rd", City: "Nashville", Country: "US"}
	home := model.Address{Line: "9 Home St", City: "Austin", Country: "US"}
	subs := []model.Subject{
		{ID: "f1", Address: model.Address{Line: "1 A St", City: "Denver", Country: "US"}},
		{ID: "f2", Address: model.Address{Line: "2 B St", City: "Miami", Country: "US"}},
		{ID: "h1", Address: home}, {ID: "h2", Address: home},
	}
	got := run(t, newFarmAddress(), subs, []model.Event{ship("s1", "f1", farm), ship("s2", "f2", farm), ship("s3", "h1", home), ship("s4", "h2", home)})
	if len(got["f1"]) != 1 || len(got["f2"]) != 1 {
		t.Fatalf("farm not found: %v", got)
	}
	if len(got["h1"])+len(got["h2"]) != 0 {
		t.Fatalf("family at its own home called a farm: %v", got)
	}
}
