package records

import (
	"fmt"
	"io"
	"strconv"
)

// SyntheticPayroll streams n valid payroll rows (20,000 people, one
// account each) without holding them in memory; benchmarks use it.
func SyntheticPayroll(n int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		bw := make([]byte, 0, 64<<10)
		bw = append(bw, "person_id,date,event,account_number,routing_or_bank_id,account_holder,bank_country,rail,amount,currency\n"...)
		for i := 0; i < n; i++ {
			p := i % 20000
			bw = append(bw, 'P')
			bw = strconv.AppendInt(bw, int64(p), 10)
			bw = append(bw, ",2026-"...)
			bw = append(bw, fmt.Sprintf("%02d-%02d", 1+i%12, 1+(i/12)%28)...)
			bw = append(bw, ",payment,"...)
			bw = strconv.AppendInt(bw, int64(100000000+p), 10)
			bw = append(bw, ",021000021,Worker "...)
			bw = strconv.AppendInt(bw, int64(p), 10)
			bw = append(bw, ",US,ach,"...)
			bw = strconv.AppendInt(bw, int64(3000+i%5000), 10)
			bw = append(bw, ".50,USD\n"...)
			if len(bw) > 60<<10 {
				if _, err := pw.Write(bw); err != nil {
					return
				}
				bw = bw[:0]
			}
		}
		pw.Write(bw)
		pw.Close()
	}()
	return pr
}
