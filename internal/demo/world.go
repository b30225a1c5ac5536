package demo

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
)

// City is a place people claim to live in or are seen from. Each has one
// synthetic residential ISP block in the demo's own IP database.
type City struct {
	Name, Region, Country, TZ string
	Lat, Lon                  float64
	ASN                       uint32
	ASOrg                     string
	Block                     netip.Prefix
}

// The demo's IP plan. Blocks are synthetic allocations that exist only in
// the IP database the demo writes; ASN/org names are realistic for the
// place. Nothing here is looked up on the network.
var (
	usCities = []City{
		{"Austin", "TX", "US", "America/Chicago", 30.27, -97.74, 7922, "Comcast Cable Communications", pfx("45.16.0.0/16")},
		{"Seattle", "WA", "US", "America/Los_Angeles", 47.61, -122.33, 7922, "Comcast Cable Communications", pfx("45.17.0.0/16")},
		{"New York", "NY", "US", "America/New_York", 40.71, -74.01, 12271, "Charter Communications", pfx("45.18.0.0/16")},
		{"Chicago", "IL", "US", "America/Chicago", 41.88, -87.63, 7922, "Comcast Cable Communications", pfx("45.19.0.0/16")},
		{"Denver", "CO", "US", "America/Denver", 39.74, -104.99, 7922, "Comcast Cable Communications", pfx("45.20.0.0/16")},
		{"Atlanta", "GA", "US", "America/New_York", 33.75, -84.39, 7018, "AT&T Services", pfx("45.21.0.0/16")},
		{"San Francisco", "CA", "US", "America/Los_Angeles", 37.77, -122.42, 7018, "AT&T Services", pfx("45.22.0.0/16")},
		{"Boston", "MA", "US", "America/New_York", 42.36, -71.06, 701, "Verizon Business", pfx("45.23.0.0/16")},
		{"Phoenix", "AZ", "US", "America/Phoenix", 33.45, -112.07, 22773, "Cox Communications", pfx("45.24.0.0/16")},
		{"Nashville", "TN", "US", "America/Chicago", 36.16, -86.78, 7018, "AT&T Services", pfx("45.25.0.0/16")},
		{"Miami", "FL", "US", "America/New_York", 25.76, -80.19, 7922, "Comcast Cable Communications", pfx("45.26.0.0/16")},
		{"Portland", "OR", "US", "America/Los_Angeles", 45.52, -122.68, 7922, "Comcast Cable Communications", pfx("45.27.0.0/16")},
		{"Raleigh", "NC", "US", "America/New_York", 35.78, -78.64, 12271, "Charter Communications", pfx("45.28.0.0/16")},
		{"Minneapolis", "MN", "US", "America/Chicago", 44.98, -93.27, 209, "CenturyLink Communications", pfx("45.29.0.0/16")},
		{"Dallas", "TX", "US", "America/Chicago", 32.78, -96.80, 7018, "AT&T Services", pfx("45.30.0.0/16")},
	}
	intlCities = []City{
		{"Toronto", "ON", "CA", "America/Toronto", 43.65, -79.38, 812, "Rogers Communications", pfx("46.16.0.0/16")},
		{"London", "ENG", "GB", "Europe/London", 51.51, -0.13, 2856, "British Telecommunications", pfx("46.17.0.0/16")},
		{"Berlin", "BE", "DE", "Europe/Berlin", 52.52, 13.40, 3320, "Deutsche Telekom", pfx("46.18.0.0/16")},
		{"Warsaw", "MZ", "PL", "Europe/Warsaw", 52.23, 21.01, 5617, "Orange Polska", pfx("46.19.0.0/16")},
		{"Sao Paulo", "SP", "BR", "America/Sao_Paulo", -23.55, -46.63, 28573, "Claro NXT", pfx("46.20.0.0/16")},
		{"Bengaluru", "KA", "IN", "Asia/Kolkata", 12.97, 77.59, 24560, "Bharti Airtel", pfx("46.21.0.0/16")},
		{"Seoul", "11", "KR", "Asia/Seoul", 37.57, 126.98, 4766, "Korea Telecom", pfx("46.22.0.0/16")},
		{"Tokyo", "13", "JP", "Asia/Tokyo", 35.68, 139.69, 2516, "KDDI Corporation", pfx("46.23.0.0/16")},
		{"Mexico City", "CMX", "MX", "America/Mexico_City", 19.43, -99.13, 8151, "Uninet", pfx("46.24.0.0/16")},
		{"Paris", "IDF", "FR", "Europe/Paris", 48.86, 2.35, 3215, "Orange S.A.", pfx("46.25.0.0/16")},
	}
	// Where DPRK IT workers actually operate from (never claimed).
	shenyang    = City{"Shenyang", "LN", "CN", "Asia/Shanghai", 41.81, 123.43, 4837, "CHINA UNICOM China169 Backbone", pfx("123.184.0.0/16")}
	dandong     = City{"Dandong", "LN", "CN", "Asia/Shanghai", 40.12, 124.38, 4837, "CHINA UNICOM China169 Backbone", pfx("123.185.0.0/16")}
	vladivostok = City{"Vladivostok", "PRI", "RU", "Asia/Vladivostok", 43.12, 131.89, 12389, "Rostelecom", pfx("95.154.64.0/18")}

	// The company's own egress (corporate VPN); documentation range and ASN.
	corporate = City{"San Francisco", "CA", "US", "America/Los_Angeles", 37.77, -122.42, 64500, "Example Corp (corporate VPN)", pfx("198.51.100.0/24")}
	// Astrill exit ranges: two complete /24s from the public Astrill seed list
	// (see ../shared/data/ipintel/README.md); other VPN and Tor ranges.
	astrill1 = City{"Los Angeles", "CA", "US", "America/Los_Angeles", 34.05, -118.24, 64510, "VPN hosting", pfx("38.170.181.0/24")}
	astrill2 = City{"Singapore", "01", "SG", "Asia/Singapore", 1.29, 103.85, 64510, "VPN hosting", pfx("104.140.119.0/24")}
	otherVPN = City{"Amsterdam", "NH", "NL", "Europe/Amsterdam", 52.37, 4.90, 9009, "M247 Europe SRL", pfx("185.159.156.0/24")}
	torExit  = City{"Frankfurt", "HE", "DE", "Europe/Berlin", 50.11, 8.68, 60729, "Stiftung Erneuerbare Freiheit", pfx("185.220.101.0/24")}
	cloudDC  = City{"Ashburn", "VA", "US", "America/New_York", 39.04, -77.49, 14618, "Amazon.com, Inc.", pfx("3.80.0.0/16")}
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// hostIn returns a stable address inside the block for a key.
func hostIn(p netip.Prefix, r *rand.Rand) netip.Addr {
	a := p.Addr().As4()
	bits := 32 - p.Bits()
	n := uint32(r.IntN(1<<bits-2) + 1)
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v |= n
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// Names come from one pool for everyone: DPRK IT workers use stolen or
// invented identities drawn from the same population, so a name says
// nothing about the label, and the generator makes sure of it.
var (
	firstNames = []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
		"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Christopher", "Karen",
		"Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty", "Mark", "Sandra", "Steven", "Ashley", "Andrew", "Emily",
		"Joshua", "Michelle", "Kevin", "Amanda", "Brian", "Melissa", "Priya", "Rahul", "Ananya", "Wei", "Mei", "Jun",
		"Min-jun", "Seo-yeon", "Ji-ho", "Hiroshi", "Yuki", "Carlos", "Sofia", "Mateo", "Valentina", "Diego", "Lucia",
		"Olumide", "Chiamaka", "Kwame", "Amara", "Fatima", "Omar", "Layla", "Yusuf", "Aisha", "Nikolai", "Olga", "Piotr",
		"Agnieszka", "Lukas", "Hannah", "Noah", "Emma", "Liam", "Olivia", "Ethan", "Ava", "Lucas", "Mia", "Thanh", "Linh",
		"Dmitri", "Anya", "Tomasz", "Zofia", "Rafael", "Camila", "Arjun", "Kavya", "Jin", "Hana", "Tae-yang", "Sung-min"}
	lastNames = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
		"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
		"Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
		"Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker",
		"Kim", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Wang", "Li", "Zhang", "Chen", "Liu", "Patel", "Shah",
		"Singh", "Kumar", "Sato", "Suzuki", "Tanaka", "Okafor", "Adeyemi", "Mensah", "Haddad", "Khan", "Ahmed",
		"Kowalski", "Nowak", "Muller", "Schmidt", "Fischer", "Ivanov", "Petrov", "Silva", "Santos", "Oliveira", "Tran",
		"Pham", "Rossi", "Bianchi", "Dubois", "Moreau", "O'Brien", "Murphy", "Kelly", "Cohen", "Levi", "Novak"}
	streets   = []string{"Oak", "Maple", "Cedar", "Pine", "Elm", "Walnut", "Birch", "Willow", "Lake", "Hill", "Park", "Main", "Church", "Mill", "River", "Sunset", "Highland", "Meadow", "Forest", "Spring"}
	streetSfx = []string{"St", "Ave", "Rd", "Ln", "Dr", "Ct", "Blvd", "Way"}
	roles     = []string{"Backend Engineer", "Frontend Engineer", "Full-Stack Developer", "Mobile Developer", "DevOps Engineer",
		"Data Engineer", "QA Engineer", "Site Reliability Engineer", "Product Designer", "Blockchain Developer",
		"Machine Learning Engineer", "Security Engineer", "Technical Writer", "Product Manager"}
	skills = []string{"Go", "Rust", "Python", "TypeScript", "React", "Node.js", "Kubernetes", "Terraform", "AWS", "GCP",
		"PostgreSQL", "Kafka", "Solidity", "Swift", "Kotlin", "Java", "Spring", "Django", "GraphQL", "Redis", "Docker",
		"CI/CD", "gRPC", "Elasticsearch", "Spark", "Airflow", "Next.js", "Vue", "Flutter", "Ethereum"}
	employers = []string{"Brightline Software", "Northwind Analytics", "Bluefin Labs", "Cobalt Systems", "Helios Data",
		"Quantum Leap Apps", "Redwood Digital", "Summit Cloud", "Tidewater Tech", "Vertex Mobile", "Ironclad Security",
		"Pinecone Health", "Lumen Retail", "Orbit Payments", "Granite Logistics"}
	schools = []string{"University of Texas at Austin", "University of Washington", "Georgia Tech", "Ohio State University",
		"Arizona State University", "University of Michigan", "Penn State", "Purdue University", "University of Toronto",
		"University of Warsaw", "IIT Bombay", "University of Sao Paulo", "Seoul National University", "University of Tokyo"}
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func streetAddress(r *rand.Rand) string {
	return fmt.Sprintf("%d %s %s", 100+r.IntN(9800), pick(r, streets), pick(r, streetSfx))
}

func postal(r *rand.Rand, c City) string {
	switch c.Country {
	case "US":
		return fmt.Sprintf("%05d", 10000+r.IntN(89999))
	case "GB":
		return fmt.Sprintf("SW%d %dAB", 1+r.IntN(9), 1+r.IntN(9))
	case "CA":
		return fmt.Sprintf("M%dA %dB%d", r.IntN(9), r.IntN(9), r.IntN(9))
	}
	return fmt.Sprintf("%05d", r.IntN(99999))
}
