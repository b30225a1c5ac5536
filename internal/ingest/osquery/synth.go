package osquery

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"
)

// Synthetic writes rows osquery differential result lines (event format)
// for hosts laptops named lt-00000…, with serials SERlt-00000…: 60 %
// processes with command lines, 20 % apps, 10 % usb_devices, 10 % time,
// AnyDesk and Astrill among them. The same arguments give the same bytes.
// It feeds benchmarks (BenchmarkIngestDetect, `redflag bench endpoint`).
func Synthetic(w io.Writer, rows, hosts int) error {
	r := rand.New(rand.NewPCG(1, 2))
	bw := bufio.NewWriterSize(w, 1<<20)
	procs := []string{"launchd", "Google Chrome Helper", "Slack", "zoom.us", "Code Helper", "bash", "AnyDesk", "mdworker", "1Password", "WindowServer"}
	apps := []string{"Google Chrome", "Slack", "Zoom", "Visual Studio Code", "1Password", "AnyDesk", "Astrill VPN", "Docker"}
	for i := 0; i < rows; i++ {
		h := fmt.Sprintf("lt-%05d", r.IntN(max(hosts, 1)))
		at := int64(1790000000 + i)
		head := fmt.Sprintf(`{"hostIdentifier":%q,"unixTime":"%d","calendarTime":%q,"epoch":"0","counter":"1","numerics":false,"action":"added","decorations":{"host_uuid":"UUID-%s","serial":"SER%s"},`,
			h, at, time.Unix(at, 0).UTC().Format("Mon Jan _2 15:04:05 2006 UTC"), h, h)
		bw.WriteString(head)
		switch k := r.IntN(10); {
		case k < 6:
			p := procs[r.IntN(len(procs))]
			path := "/Applications/" + p + ".app/Contents/MacOS/" + p
			fmt.Fprintf(bw, `"name":"pack_redflag_processes","columns":{"pid":"%d","name":%q,"path":%q,"cmdline":%q,"parent":"1","uid":"501","start_time":"%s"}}`,
				r.IntN(60000), p, path, path+" --type=renderer --lang=en-US", strconv.FormatInt(at-100, 10))
		case k < 8:
			a := apps[r.IntN(len(apps))]
			fmt.Fprintf(bw, `"name":"pack_redflag_apps","columns":{"name":%q,"path":%q,"bundle_identifier":%q,"bundle_version":"1.0"}}`,
				a+".app", "/Applications/"+a+".app", "com.example."+a)
		case k < 9:
			bw.WriteString(`"name":"pack_redflag_usb_devices","columns":{"vendor":"Logitech","vendor_id":"046d","model":"USB Receiver","model_id":"c52b","serial":"","class":"0","removable":"1"}}`)
		default:
			bw.WriteString(`"name":"pack_redflag_time","columns":{"local_timezone":"America/Chicago"}}`)
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
