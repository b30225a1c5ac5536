package export

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/redflag-dev/redflag/internal/model"
)

// CEF formats an ArcSight Common Event Format line for a case change.
// Header fields escape | and \; extension values escape =, \ and newlines.
func CEF(p Payload, version string) string {
	sev := 3
	name := p.Event
	ext := []string{
		"rt=" + cefExt(fmt.Sprint(p.At.UnixMilli())),
		"suser=" + cefExt(p.Actor),
		"act=" + cefExt(p.Event),
		"externalId=" + cefExt(fmt.Sprint(p.Seq)),
	}
	if c := p.Case; c != nil {
		switch c.Level {
		case model.LevelMedium:
			sev = 5
		case model.LevelHigh:
			sev = 8
		case model.LevelCritical:
			sev = 10
		}
		name = p.Event + " " + c.Title
		ext = append(ext,
			"cs1Label=caseId", "cs1="+cefExt(c.ID),
			"cs2Label=state", "cs2="+cefExt(string(c.State)),
			"cs3Label=subjects", "cs3="+cefExt(strings.Join(c.SubjectIDs, ",")),
			"cs4Label=decision", "cs4="+cefExt(c.Decision),
			"cn1Label=score", fmt.Sprintf("cn1=%.0f", c.Score),
			"duser="+cefExt(c.Assignee),
		)
	}
	if p.Before != "" {
		ext = append(ext, "cs5Label=before", "cs5="+cefExt(p.Before))
	}
	if p.After != "" {
		ext = append(ext, "cs6Label=after", "cs6="+cefExt(p.After))
	}
	return fmt.Sprintf("CEF:0|redflag|redflag|%s|%s|%s|%d|%s",
		cefHdr(version), cefHdr(p.Event), cefHdr(name), sev, strings.Join(ext, " "))
}

func cefHdr(s string) string {
	return strings.NewReplacer(`\`, `\\`, `|`, `\|`, "\n", " ", "\r", " ").Replace(s)
}

func cefExt(s string) string {
	return strings.NewReplacer(`\`, `\\`, `=`, `\=`, "\n", `\n`, "\r", `\r`).Replace(s)
}

// Syslog sends RFC 5424 messages over UDP (one datagram each) or TCP
// (octet-counted framing, RFC 6587).
type Syslog struct {
	Network, Addr string
	Hostname      string
	conn          net.Conn
}

// ParseSyslogURL reads "udp://host:514" or "tcp://host:6514".
func ParseSyslogURL(s string) (*Syslog, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("syslog address %q: %w", s, err)
	}
	if u.Scheme != "udp" && u.Scheme != "tcp" {
		return nil, fmt.Errorf("syslog address %q: scheme must be udp or tcp", s)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("syslog address %q: no host", s)
	}
	h, _ := os.Hostname()
	return &Syslog{Network: u.Scheme, Addr: u.Host, Hostname: h}, nil
}

// Send writes one message, dialling (again) when needed.
func (s *Syslog) Send(ctx context.Context, msg string, at time.Time) error {
	if s.conn == nil {
		d := net.Dialer{Timeout: 5 * time.Second}
		c, err := d.DialContext(ctx, s.Network, s.Addr)
		if err != nil {
			return fmt.Errorf("syslog %s://%s: %w", s.Network, s.Addr, err)
		}
		s.conn = c
	}
	host := s.Hostname
	if host == "" {
		host = "-"
	}
	// PRI 110 = facility 13 (log audit) * 8 + severity 6 (info).
	line := fmt.Sprintf("<110>1 %s %s redflag - case - %s", at.UTC().Format(time.RFC3339Nano), host, msg)
	var frame string
	if s.Network == "tcp" {
		frame = fmt.Sprintf("%d %s", len(line), line)
	} else {
		frame = line
	}
	s.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := s.conn.Write([]byte(frame)); err != nil {
		s.conn.Close()
		s.conn = nil
		return fmt.Errorf("syslog %s://%s: %w", s.Network, s.Addr, err)
	}
	return nil
}

// Close closes the connection.
func (s *Syslog) Close() error {
	if s.conn != nil {
		return s.conn.Close()
	}
	return nil
}
