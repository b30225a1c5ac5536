// Package identity normalises the identifiers that link people: phone
// numbers (E.164 with line type and country), e-mail addresses (case,
// plus-tags, dots where the provider ignores them), postal addresses (a
// canonical key that survives case, punctuation, abbreviation and unit
// spelling differences), bank-account fingerprints, devices, IP addresses,
// code-hosting logins, resume text (near-duplicate signatures) and photos
// (perceptual hashes).
//
// Libraries: phone numbers use github.com/nyaruka/phonenumbers (the
// libphonenumber port); photos use github.com/corona10/goimagehash's pHash.
// Resume near-duplicates use our own SimHash and MinHash+LSH (text.go, about
// 150 lines): the Go libraries for this are abandoned (ekzhu/minhash-lsh and
// dgryski/go-minhash only have 2017 pseudo-versions) or not fetchable through
// the module proxy (mfonda/simhash), and the algorithms are short.
//
// Known gap: numbers in the North American Numbering Plan (+1) cannot be told
// VoIP offline. libphonenumber reports every NANP number as
// FIXED_LINE_OR_MOBILE because the plan does not segregate Google Voice,
// TextNow or Bandwidth ranges; that needs a paid carrier lookup (e.g. Twilio
// Lookup line-type intelligence) or a ported-number database. Phone.VoIPKnown
// is false for such numbers so that callers do not read "not VoIP" into it.
//
// Every normaliser returns an error for input it cannot read; Extract turns
// those errors into model.Warning values naming the field, and still keeps a
// best-effort identifier, so bad input is never silently dropped.
package identity
