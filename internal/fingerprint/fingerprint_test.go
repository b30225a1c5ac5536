package fingerprint

import (
	"strings"
	"testing"
)

func TestKeyedFingerprints(t *testing.T) {
	a, err := New([]byte("0123456789abcdef0123"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New([]byte("another-key-entirely"))
	x := a.BankAccount("021000021", "1234-5678 90")
	if x != a.BankAccount("021000021", "1234567890") {
		t.Fatal("formatting changed the fingerprint")
	}
	if x == b.BankAccount("021000021", "1234567890") {
		t.Fatal("different keys gave the same fingerprint")
	}
	if strings.Contains(x, "1234567890") {
		t.Fatal("fingerprint leaks the account number")
	}
	if a.Of("bank", "v") == a.Of("id_document", "v") {
		t.Fatal("domains collide")
	}
	if _, err := New([]byte("short")); err == nil {
		t.Fatal("short key accepted")
	}
}
