package demo

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

func optDay(t *time.Time) string {
	if t == nil {
		return ""
	}
	return day(*t)
}

type csvFile struct {
	f *os.File
	b *bufio.Writer
	w *csv.Writer
}

func createCSV(path string, header []string) (*csvFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	b := bufio.NewWriterSize(f, 256<<10)
	w := csv.NewWriter(b)
	if err := w.Write(header); err != nil {
		f.Close()
		return nil, err
	}
	return &csvFile{f, b, w}, nil
}

func (c *csvFile) row(v ...string) error { return c.w.Write(v) }

func (c *csvFile) close() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		c.f.Close()
		return err
	}
	if err := c.b.Flush(); err != nil {
		c.f.Close()
		return err
	}
	return c.f.Close()
}

func (o *org) writeRecords(dir string) error {
	people, err := createCSV(filepath.Join(dir, "people.csv"), []string{"person_id", "kind", "full_name", "email", "phone", "date_of_birth",
		"address_line", "city", "region", "postal_code", "country", "claimed_timezone", "hire_date", "end_date", "status", "role",
		"manager_id", "referrer_id", "source_channel", "staffing_vendor", "resume_text", "photo_path", "github_login", "idp_logins"})
	if err != nil {
		return err
	}
	for _, p := range o.people {
		if err := people.row(p.ID, p.Kind, p.Name, p.Email, p.Phone, p.DOB, p.Line, p.City.Name, p.City.Region, p.PostalCode,
			p.City.Country, p.City.TZ, optDay(p.Hire), optDay(p.End), p.Status, p.Role, p.Manager, p.Referrer, p.Source, p.Vendor,
			p.Resume, "", p.GitHub, strings.Join(p.Logins, ";")); err != nil {
			return err
		}
	}
	if err := people.close(); err != nil {
		return err
	}

	pay, err := createCSV(filepath.Join(dir, "payroll.csv"), []string{"person_id", "date", "event", "account_number", "routing_or_bank_id",
		"account_holder", "bank_country", "rail", "crypto_asset", "crypto_address", "amount", "currency"})
	if err != nil {
		return err
	}
	for _, p := range o.people {
		if p.Kind == "applicant" || len(p.banks) == 0 {
			continue
		}
		salary := 3800 + float64(o.r.IntN(5200))
		for i, bc := range p.banks {
			ev := "account_added"
			if i > 0 {
				ev = "account_changed"
			}
			b := bc.B
			if err := pay.row(p.ID, day(bc.At), ev, b.Account, b.Routing, b.Holder, b.Country, b.Rail, b.Asset, b.Crypto, "", ""); err != nil {
				return err
			}
		}
		// Semi-monthly pay in the window, into whichever account is current.
		for d := o.start; d.Before(o.end); d = d.AddDate(0, 0, 1) {
			last := d.AddDate(0, 0, 1).Day() == 1
			if d.Day() != 15 && !last {
				continue
			}
			if p.Hire != nil && d.Before(*p.Hire) {
				continue
			}
			var cur *bank
			for i := range p.banks {
				if !p.banks[i].At.After(d) {
					cur = &p.banks[i].B
				}
			}
			if cur == nil {
				continue
			}
			cc := "USD"
			amt := salary
			if cur.Rail == "crypto" {
				cc = cur.Asset
				if cur.Asset == "ETH" {
					amt = salary / 3000
				}
			}
			if err := pay.row(p.ID, day(d), "payment", cur.Account, cur.Routing, cur.Holder, cur.Country, cur.Rail, cur.Asset, cur.Crypto,
				strconv.FormatFloat(amt, 'f', 2, 64), cc); err != nil {
				return err
			}
		}
	}
	if err := pay.close(); err != nil {
		return err
	}

	ship, err := createCSV(filepath.Join(dir, "shipments.csv"), []string{"person_id", "shipment_id", "date", "item", "serial", "address_line", "city", "region", "postal_code", "country", "status"})
	if err != nil {
		return err
	}
	dev, err := createCSV(filepath.Join(dir, "devices.csv"), []string{"device_id", "serial", "person_id", "hostname", "platform", "enrolled_at"})
	if err != nil {
		return err
	}
	travel, err := createCSV(filepath.Join(dir, "travel.csv"), []string{"person_id", "start_date", "end_date", "country", "city", "purpose"})
	if err != nil {
		return err
	}
	for _, p := range o.people {
		for _, s := range p.ships {
			if err := ship.row(p.ID, s.ID, day(s.At), s.Item, s.Serial, s.Line, s.City.Name, s.City.Region, s.PostalCode, s.City.Country, s.Status); err != nil {
				return err
			}
		}
		if p.dev != nil {
			d := p.dev
			if err := dev.row(d.ID, d.Serial, p.ID, d.Hostname, d.Platform, d.Enrolled.Format(time.RFC3339)); err != nil {
				return err
			}
		}
		for _, t := range p.trips {
			if err := travel.row(p.ID, day(t.Start), day(t.End), t.City.Country, t.City.Name, "business"); err != nil {
				return err
			}
		}
	}
	for _, c := range []*csvFile{ship, dev, travel} {
		if err := c.close(); err != nil {
			return err
		}
	}

	type ivRow struct {
		PersonID string   `json:"person_id"`
		Date     string   `json:"date"`
		Step     string   `json:"step"`
		Result   string   `json:"result"`
		IP       string   `json:"ip,omitempty"`
		Camera   *float64 `json:"camera_on_ratio,omitempty"`
		Notes    string   `json:"notes,omitempty"`
	}
	return writeJSONL(filepath.Join(dir, "interviews.jsonl"), func(enc *json.Encoder) error {
		for _, p := range o.people {
			ivs := append([]interview(nil), p.ivs...)
			sort.SliceStable(ivs, func(i, j int) bool { return ivs[i].At.Before(ivs[j].At) })
			for _, iv := range ivs {
				r := ivRow{PersonID: p.ID, Date: iv.At.Format(time.RFC3339), Step: iv.Step, Result: iv.Result, IP: iv.IP, Notes: iv.Notes}
				if iv.HasCamera {
					c := float64(int(iv.Camera*100)) / 100
					r.Camera = &c
				}
				if err := enc.Encode(r); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
