package sanctions

import "testing"

func BenchmarkScreen(b *testing.B) {
	ix := benchIndex(b)
	qs, err := ReadBenchQueries(sharedData(b, "sanctions/bench/ofac-queries-dev.tsv"))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			q := qs[i%len(qs)]
			ix.Screen(Query{Name: q.Name, Type: q.Type, Limit: 10})
			i++
		}
	})
}

func BenchmarkBuildIndex(b *testing.B) {
	ents := loadOFACShared(b, "sanctions/ofac/full-2024-05")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		NewIndex(ents)
	}
}
