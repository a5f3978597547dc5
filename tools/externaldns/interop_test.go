// Package interop checks, with ExternalDNS's own code, that ExternalDNS on a host cluster
// leaves the records catalyst-dns writes alone and reads them as ours (DESIGN.md §7).
//
// Input: a provider-neutral JSON export of what the function rendered for the examples
// (scripts/export_records.py), one record set per (name, type), TXT ownership records
// included. The path is in $EXTERNALDNS_RECORDS; the test is skipped without it.
// $EXTERNALDNS_REPORT, when set, receives the figures as JSON. $EXTERNALDNS_ARGS holds
// extra ExternalDNS flags (one per line) appended to the seed deployment's flags.
//
// Every example is loaded into its own ExternalDNS in-memory provider (provider/inmemory)
// behind the TXT registry (registry/txt) built from the seed deployment's flags, parsed by
// ExternalDNS's own flag parser and checked by its own config validation. Plans are made
// the way ExternalDNS's controller makes them (controller.RunOnce: registry records as
// Current, adjusted desired endpoints, the policy, domain filters, managed types, owner id)
// and applied through the registry when they have changes, as RunOnce does. The controller
// package itself is not imported: it pulls every source and provider of ExternalDNS, some
// of whose modules the Go module proxy here refuses.
package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"testing"

	log "github.com/sirupsen/logrus"

	"sigs.k8s.io/external-dns/endpoint"
	"sigs.k8s.io/external-dns/pkg/apis/externaldns"
	"sigs.k8s.io/external-dns/pkg/apis/externaldns/validation"
	"sigs.k8s.io/external-dns/plan"
	"sigs.k8s.io/external-dns/provider/inmemory"
	"sigs.k8s.io/external-dns/registry"
	"sigs.k8s.io/external-dns/registry/mapper"
	"sigs.k8s.io/external-dns/registry/txt"
)

// The seed deployment's ExternalDNS (DESIGN.md §1): owner openova, prefix _externaldns.
// Provider and source are required by the flag parser; policy must be explicit since
// v0.22 and is varied per plan.
var seedFlags = []string{
	"--provider=inmemory",
	"--source=service",
	"--registry=txt",
	"--txt-owner-id=openova",
	"--txt-prefix=_externaldns.",
}

const seedOwner = "openova"

// Every record type ExternalDNS has; the "wide" configuration manages all of them, so
// the checks also cover types the seed does not manage (MX, SRV, NS, TXT, ...).
var allTypes = []string{
	endpoint.RecordTypeA, endpoint.RecordTypeAAAA, endpoint.RecordTypeCNAME,
	endpoint.RecordTypeTXT, endpoint.RecordTypeSRV, endpoint.RecordTypeNS,
	endpoint.RecordTypePTR, endpoint.RecordTypeMX, endpoint.RecordTypeNAPTR,
	endpoint.RecordTypeDNAME,
}

var policies = []string{"sync", "upsert-only", "create-only"}

// Record is one record set in the neutral export.
type Record struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	TTL      int64    `json:"ttl"`
	Values   []string `json:"values"`
	Resource string   `json:"resource,omitempty"` // the composite that wrote it ("<kind>/<ns>/<name>")
	Origin   string   `json:"origin,omitempty"`   // the MR(s) it came from, for messages
}

// Set is what one example rendered.
type Set struct {
	ID      string   `json:"id"`
	Records []Record `json:"records"`
}

// Input is the whole export.
type Input struct {
	OwnerID string   `json:"ownerId"`
	Prefix  string   `json:"prefix"`
	Zones   []string `json:"zones"`
	Sets    []Set    `json:"sets"`
}

// PlanFigure is one plan's outcome.
type PlanFigure struct {
	Scenario string `json:"scenario"`
	Config   string `json:"config"`
	Policy   string `json:"policy"`
	Desire   string `json:"desire"`
	Create   int    `json:"create"`
	Update   int    `json:"update"`
	Delete   int    `json:"delete"`
	OnOurs   int    `json:"onOurs"` // changes to one of our record sets or registry records
	Beside   int    `json:"beside"` // creates of another type at a name we hold
}

// Report is what the Python side reads back.
type Report struct {
	ExternalDNSVersion string              `json:"externalDnsVersion"`
	Flags              []string            `json:"flags"`
	Examples           int                 `json:"examples"`
	Records            int                 `json:"records"`
	RegistryRecords    int                 `json:"registryRecords"`
	Attributed         int                 `json:"attributed"`
	Unattributable     map[string]int      `json:"unattributable"`
	Plans              int                 `json:"plans"`
	ChangesOnOurs      int                 `json:"changesOnOurs"`
	CreatesBeside      map[string]int      `json:"createsBeside"`
	BesideExamples     []string            `json:"besideExamples"`
	ControlTakeovers   map[string]int      `json:"controlTakeovers"`
	OldFormat          map[string]int      `json:"oldFormat"`
	PerPlan            map[string]PlanStat `json:"perPlan"`
}

// PlanStat sums PlanFigures of one kind over every example.
type PlanStat struct {
	Plans  int `json:"plans"`
	Create int `json:"create"`
	Update int `json:"update"`
	Delete int `json:"delete"`
	OnOurs int `json:"onOurs"`
	Beside int `json:"beside"`
}

var (
	input  *Input
	report = &Report{
		Unattributable:   map[string]int{},
		CreatesBeside:    map[string]int{},
		ControlTakeovers: map[string]int{},
		OldFormat:        map[string]int{},
		PerPlan:          map[string]PlanStat{},
	}
)

func TestMain(m *testing.M) {
	log.SetLevel(log.WarnLevel)
	path := os.Getenv("EXTERNALDNS_RECORDS")
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		input = &Input{}
		if err := json.Unmarshal(data, input); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			os.Exit(2)
		}
	}
	code := m.Run()
	if out := os.Getenv("EXTERNALDNS_REPORT"); out != "" && input != nil {
		report.ExternalDNSVersion = moduleVersion("sigs.k8s.io/external-dns")
		report.Flags = flags(nil)
		report.Examples = len(input.Sets)
		data, _ := json.MarshalIndent(report, "", "  ")
		if err := os.WriteFile(out, data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 2
		}
	}
	os.Exit(code)
}

// pinnedVersion is set by scripts/build-externaldns.sh (-ldflags -X) from go.mod.
var pinnedVersion string

func moduleVersion(path string) string {
	if pinnedVersion != "" {
		return pinnedVersion
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == path {
				return dep.Version
			}
		}
	}
	return "unknown"
}

func needInput(t *testing.T) *Input {
	t.Helper()
	if input == nil {
		t.Skip("EXTERNALDNS_RECORDS not set (tests/interop sets it)")
	}
	if input.OwnerID == "" || input.OwnerID == seedOwner {
		t.Fatalf("owner id %q: ours must be set and differ from the seed's %q", input.OwnerID, seedOwner)
	}
	return input
}

// flags are the seed deployment's flags plus $EXTERNALDNS_ARGS plus extra.
func flags(extra []string) []string {
	out := slices.Clone(seedFlags)
	for line := range strings.SplitSeq(os.Getenv("EXTERNALDNS_ARGS"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return append(out, extra...)
}

// config parses the flags with ExternalDNS's parser and validates them as its main does.
func config(t *testing.T, policy string, extra ...string) *externaldns.Config {
	t.Helper()
	cfg := externaldns.NewConfig()
	args := flags(append([]string{"--policy=" + policy}, extra...))
	if err := cfg.ParseFlags(args); err != nil {
		t.Fatalf("ExternalDNS refused the flags %v: %v", args, err)
	}
	if err := validation.ValidateConfig(cfg); err != nil {
		t.Fatalf("ExternalDNS config validation refused %v: %v", args, err)
	}
	return cfg
}

// The two configurations every claim is checked under.
type configuration struct {
	name  string
	extra []string
}

func configurations() []configuration {
	wide := make([]string, 0, len(allTypes))
	for _, typ := range allTypes {
		wide = append(wide, "--managed-record-types="+typ)
	}
	return []configuration{
		{"seed", nil},
		{"seed+all-types", wide},
	}
}

// world is one example's records in an in-memory provider behind the TXT registry.
type world struct {
	cfg      *externaldns.Config
	provider *inmemory.InMemoryProvider
	registry registry.Registry
	filter   *endpoint.DomainFilter
}

func newWorld(t *testing.T, in *Input, cfg *externaldns.Config, records []Record) *world {
	t.Helper()
	p := inmemory.NewInMemoryProvider(inmemory.InMemoryInitZones(in.Zones))
	eps := make([]*endpoint.Endpoint, 0, len(records))
	for _, r := range records {
		ep := toEndpoint(r)
		if ep == nil {
			t.Fatalf("ExternalDNS cannot represent %s %s (%s)", r.Name, r.Type, r.Origin)
		}
		eps = append(eps, ep)
	}
	if err := p.ApplyChanges(context.Background(), &plan.Changes{Create: eps}); err != nil {
		t.Fatalf("loading %d records into the in-memory provider: %v", len(eps), err)
	}
	// The in-memory provider drops records outside its zones silently: count them back.
	loaded, _ := p.Records(context.Background())
	if len(loaded) != len(eps) {
		t.Fatalf("in-memory provider holds %d of %d records: some fall outside the zones %v",
			len(loaded), len(eps), in.Zones)
	}
	reg, err := txt.New(cfg, p)
	if err != nil {
		t.Fatalf("txt.New: %v", err)
	}
	filter := endpoint.NewDomainFilterWithOptions(
		endpoint.WithDomainFilter(cfg.DomainFilter),
		endpoint.WithDomainExclude(cfg.DomainExclude),
		endpoint.WithRegexDomainFilter(cfg.RegexDomainFilter),
		endpoint.WithRegexDomainExclude(cfg.RegexDomainExclude),
	)
	return &world{cfg: cfg, provider: p, registry: reg, filter: filter}
}

// toEndpoint gives a neutral record set the shape ExternalDNS's providers give it: TXT
// values quoted, as its registry writes and as DNS presents them.
func toEndpoint(r Record) *endpoint.Endpoint {
	values := slices.Clone(r.Values)
	if r.Type == endpoint.RecordTypeTXT {
		for i, v := range values {
			values[i] = `"` + v + `"`
		}
	}
	return endpoint.NewEndpointWithTTL(r.Name, r.Type, endpoint.TTL(r.TTL), values...)
}

// runOnce does what ExternalDNS's controller.RunOnce does with a source that returns desired,
// and returns the plan's changes and the provider's records after applying them.
func (w *world) runOnce(t *testing.T, desired []*endpoint.Endpoint) (*plan.Changes, []*endpoint.Endpoint) {
	t.Helper()
	changes, err := w.plan(t, desired)
	if err != nil {
		t.Fatalf("registry.ApplyChanges: %v", err)
	}
	after, _ := w.provider.Records(context.Background())
	return changes, after
}

// plan is runOnce returning the apply error: in the controls ExternalDNS takes records it
// then fails to rewrite in the in-memory provider (it also rewrites a typed ownership record
// that, with only an old-format one present, does not exist); the plan is what counts there.
func (w *world) plan(t *testing.T, desired []*endpoint.Endpoint) (*plan.Changes, error) {
	t.Helper()
	ctx := context.Background()
	current, err := w.registry.Records(ctx)
	if err != nil {
		t.Fatalf("registry.Records: %v", err)
	}
	adjusted, err := w.registry.AdjustEndpoints(desired)
	if err != nil {
		t.Fatalf("AdjustEndpoints: %v", err)
	}
	policy, ok := plan.Policies[w.cfg.Policy]
	if !ok {
		t.Fatalf("unknown policy %q", w.cfg.Policy)
	}
	p := &plan.Plan{
		Policies:       []plan.Policy{policy},
		Current:        current,
		Desired:        adjusted,
		DomainFilter:   endpoint.MatchAllDomainFilters{w.filter, w.registry.GetDomainFilter()},
		ManagedRecords: w.cfg.ManagedDNSRecordTypes,
		ExcludeRecords: w.cfg.ExcludeDNSRecordTypes,
		OwnerID:        w.registry.OwnerID(),
		OldOwnerID:     w.cfg.TXTOwnerOld,
	}
	changes := p.Calculate().Changes
	if changes.HasChanges() {
		return changes, w.registry.ApplyChanges(ctx, changes)
	}
	return changes, nil
}

// current is what the registry reports (records with their owner labels), by key.
func (w *world) current(t *testing.T) map[string]*endpoint.Endpoint {
	t.Helper()
	eps, err := w.registry.Records(context.Background())
	if err != nil {
		t.Fatalf("registry.Records: %v", err)
	}
	out := map[string]*endpoint.Endpoint{}
	for _, ep := range eps {
		out[key(ep.DNSName, ep.RecordType)] = ep
	}
	return out
}

func key(name, typ string) string { return strings.ToLower(strings.TrimSuffix(name, ".")) + " " + typ }

func isRegistry(in *Input, r Record) bool {
	return r.Type == endpoint.RecordTypeTXT && strings.HasPrefix(r.Name, in.Prefix)
}

func split(in *Input, records []Record) (data, reg []Record) {
	for _, r := range records {
		if isRegistry(in, r) {
			reg = append(reg, r)
		} else {
			data = append(data, r)
		}
	}
	return data, reg
}

// seedMapper is the name mapper the TXT registry builds from cfg (the same constructor).
func seedMapper(cfg *externaldns.Config) mapper.NameMapper {
	return mapper.NewAffixNameMapper(cfg.TXTPrefix, cfg.TXTSuffix, cfg.TXTWildcardReplacement)
}

// readable reports whether ExternalDNS's registry can map a record's ownership name back
// to the record: the mapper knows the type, and a wildcard's name survives the trip.
func readable(cfg *externaldns.Config, r Record) bool {
	m := seedMapper(cfg)
	name, typ := m.ToEndpointName(m.ToTXTName(r.Name, r.Type))
	want := r.Name
	if cfg.TXTWildcardReplacement != "" && strings.HasPrefix(want, "*.") {
		want = cfg.TXTWildcardReplacement + want[1:]
	}
	return typ == r.Type && name == want
}

// --- the claims ------------------------------------------------------------------------

// TestRegistryRecordsParse: every ownership record we write is one ExternalDNS's registry
// consumes (valid heritage, so it is not passed on as a plain TXT record), and the name
// ExternalDNS would give the ownership record of each of our record sets is one we wrote.
func TestRegistryRecordsParse(t *testing.T) {
	in := needInput(t)
	cfg := config(t, "sync")
	m := seedMapper(cfg)
	for _, set := range in.Sets {
		data, reg := split(in, set.Records)
		report.Records += len(data)
		report.RegistryRecords += len(reg)
		written := map[string]bool{}
		for _, r := range reg {
			written[strings.ToLower(r.Name)] = true
		}
		for _, r := range data {
			if name := m.ToTXTName(r.Name, r.Type); !written[strings.ToLower(name)] {
				t.Errorf("%s: %s %s: ExternalDNS names its ownership record %s; we wrote none by that name (%s)",
					set.ID, r.Name, r.Type, name, r.Origin)
			}
		}
		w := newWorld(t, in, cfg, set.Records)
		for _, ep := range w.current(t) {
			if ep.RecordType == endpoint.RecordTypeTXT && strings.HasPrefix(ep.DNSName, in.Prefix) {
				t.Errorf("%s: ExternalDNS does not read %s as a registry record (content %v): bad heritage",
					set.ID, ep.DNSName, ep.Targets)
			}
		}
	}
}

// TestAttributedToOurOwner: ExternalDNS labels each of our record sets with our owner id and
// the composite that wrote it. A record set whose ownership name ExternalDNS cannot map back
// (a type it does not have, CAA) gets no owner at all; those are counted, not passed.
func TestAttributedToOurOwner(t *testing.T) {
	in := needInput(t)
	cfg := config(t, "sync")
	for _, set := range in.Sets {
		data, _ := split(in, set.Records)
		w := newWorld(t, in, cfg, set.Records)
		current := w.current(t)
		for _, r := range data {
			ep := current[key(r.Name, r.Type)]
			if ep == nil {
				t.Errorf("%s: %s %s not among the registry's records", set.ID, r.Name, r.Type)
				continue
			}
			owner, owned := ep.Labels[endpoint.OwnerLabelKey]
			if !slices.Contains(allTypes, r.Type) {
				report.Unattributable[r.Type]++
				if owned {
					t.Errorf("%s: %s %s: ExternalDNS has no %s type yet labels it owner=%q",
						set.ID, r.Name, r.Type, r.Type, owner)
				}
				continue
			}
			switch {
			case !owned:
				t.Errorf("%s: %s %s: ExternalDNS reads no owner (its registry name would be %s; readable=%v) (%s)",
					set.ID, r.Name, r.Type, seedMapper(cfg).ToTXTName(r.Name, r.Type), readable(cfg, r), r.Origin)
			case owner != in.OwnerID:
				t.Errorf("%s: %s %s: ExternalDNS reads owner %q, want %q (%s)", set.ID, r.Name, r.Type, owner, in.OwnerID, r.Origin)
			case r.Resource != "" && ep.Labels[endpoint.ResourceLabelKey] != r.Resource:
				t.Errorf("%s: %s %s: ExternalDNS reads resource %q, want %q", set.ID, r.Name, r.Type,
					ep.Labels[endpoint.ResourceLabelKey], r.Resource)
			default:
				report.Attributed++
			}
		}
	}
}

// desires are what ExternalDNS (owner openova) could want at our hostnames.
//   - "conflicting": every one of our record sets with other values and another TTL;
//   - "other-type": an A record at each of our names that has none (a create beside our
//     record; beside our CNAME, ExternalDNS's conflict resolver also wants the CNAME gone);
//   - "absent": nothing (under sync, ExternalDNS deletes what it owns and no longer wants).
func desires(data []Record) map[string][]*endpoint.Endpoint {
	var conflicting, otherType []*endpoint.Endpoint
	hasA := map[string]bool{}
	for _, r := range data {
		if r.Type == endpoint.RecordTypeA {
			hasA[r.Name] = true
		}
	}
	for _, r := range data {
		if !hasA[r.Name] {
			hasA[r.Name] = true
			otherType = append(otherType, endpoint.NewEndpointWithTTL(r.Name, endpoint.RecordTypeA, 42, "198.18.0.1"))
		}
		if slices.Contains(allTypes, r.Type) { // ExternalDNS cannot desire a type it does not have (CAA)
			conflicting = append(conflicting, endpoint.NewEndpointWithTTL(r.Name, r.Type, 42, otherValue(r.Type)))
		}
	}
	return map[string][]*endpoint.Endpoint{"conflicting": conflicting, "other-type": otherType, "absent": nil}
}

func otherValue(typ string) string {
	switch typ {
	case endpoint.RecordTypeA:
		return "198.18.0.1"
	case endpoint.RecordTypeAAAA:
		return "2001:db8:ffff::1"
	case endpoint.RecordTypeMX:
		return "10 mx.openova.example"
	case endpoint.RecordTypeSRV:
		return "0 0 443 svc.openova.example"
	case endpoint.RecordTypeTXT:
		return `"openova was here"`
	case endpoint.RecordTypeNAPTR:
		return `100 10 "u" "E2U+sip" "!^.*$!sip:x@openova.example!" .`
	default:
		return "ingress.openova.example"
	}
}

// ownership is what one example wrote: its record sets by (name, type) and every name.
type ownership struct {
	sets  map[string]bool // key(name, type) of our record sets and registry records
	names map[string]bool // every name we hold a record at
}

func owned(records []Record) ownership {
	o := ownership{sets: map[string]bool{}, names: map[string]bool{}}
	for _, r := range records {
		o.sets[key(r.Name, r.Type)] = true
		o.names[strings.ToLower(r.Name)] = true
	}
	return o
}

// touched lists the changes to one of our record sets (create, update or delete of a
// (name, type) we hold, registry records included), and apart from those the creates of
// another type at a name we hold ("beside": not ours to refuse, see TestNoUpdateNoDelete).
func touched(changes *plan.Changes, o ownership) (ours, beside []string) {
	add := func(kind string, eps []*endpoint.Endpoint) {
		for _, ep := range eps {
			line := fmt.Sprintf("%s %s %s %v", kind, ep.DNSName, ep.RecordType, ep.Targets)
			switch {
			case o.sets[key(ep.DNSName, ep.RecordType)]:
				ours = append(ours, line)
			case o.names[strings.ToLower(ep.DNSName)] && kind != "create":
				ours = append(ours, line)
			case o.names[strings.ToLower(ep.DNSName)]:
				beside = append(beside, line)
			}
		}
	}
	add("create", changes.Create)
	add("update", changes.UpdateNew)
	add("delete", changes.Delete)
	return ours, beside
}

func snapshot(eps []*endpoint.Endpoint) map[string]string {
	out := map[string]string{}
	for _, ep := range eps {
		targets := slices.Clone([]string(ep.Targets))
		sort.Strings(targets)
		out[key(ep.DNSName, ep.RecordType)] = fmt.Sprintf("%d %v", ep.RecordTTL, targets)
	}
	return out
}

func (r *Report) add(f PlanFigure) {
	r.Plans++
	r.ChangesOnOurs += f.OnOurs
	k := f.Scenario + "/" + f.Config + "/" + f.Policy + "/" + f.Desire
	s := r.PerPlan[k]
	s.Plans++
	s.Create += f.Create
	s.Update += f.Update
	s.Delete += f.Delete
	s.OnOurs += f.OnOurs
	s.Beside += f.Beside
	r.PerPlan[k] = s
}

func figure(scenario, cfgName, policy, desire string, c *plan.Changes, onOurs, beside int) PlanFigure {
	return PlanFigure{scenario, cfgName, policy, desire, len(c.Create), len(c.UpdateNew), len(c.Delete), onOurs, beside}
}

// TestNoUpdateNoDelete: under every policy and both configurations, whatever ExternalDNS
// wants at our names, its plan neither creates, updates nor deletes any record set we hold
// (registry records included), and after applying its plan our records are exactly as
// they were.
//
// Not ours to refuse, and counted apart ("beside"): ExternalDNS checks ownership per
// record set of the types it manages, so at a name where we hold only types it does not
// manage (seed: anything but A, AAAA, CNAME; always CAA) it sees no current record and
// plans to create its own type there. No ownership record can prevent that; its domain
// filters can (README, Ownership).
func TestNoUpdateNoDelete(t *testing.T) {
	in := needInput(t)
	for _, c := range configurations() {
		for _, policy := range policies {
			cfg := config(t, policy, c.extra...)
			for _, set := range in.Sets {
				data, _ := split(in, set.Records)
				o := owned(set.Records)
				for desire, desired := range desires(data) {
					w := newWorld(t, in, cfg, set.Records)
					before, _ := w.provider.Records(context.Background())
					changes, after := w.runOnce(t, desired)
					hits, beside := touched(changes, o)
					report.add(figure("ours", c.name, policy, desire, changes, len(hits), len(beside)))
					report.CreatesBeside[c.name+"/"+policy+"/"+desire] += len(beside)
					if len(beside) > 0 && c.name == "seed" && policy == "sync" {
						report.BesideExamples = append(report.BesideExamples, set.ID+": "+beside[0])
					}
					for _, h := range hits {
						t.Errorf("%s [%s, --policy=%s, %s desire]: ExternalDNS plans %s", set.ID, c.name, policy, desire, h)
					}
					b, a := snapshot(before), snapshot(after)
					for k, v := range b {
						if a[k] != v {
							t.Errorf("%s [%s, --policy=%s, %s desire]: %s was %s, is %q after ExternalDNS applied its plan",
								set.ID, c.name, policy, desire, k, v, a[k])
						}
					}
				}
			}
		}
	}
}

// rewriteOwner gives every registry record another owner id, all else as written.
func rewriteOwner(in *Input, records []Record, owner string) []Record {
	out := make([]Record, 0, len(records))
	for _, r := range records {
		if isRegistry(in, r) {
			r.Values = slices.Clone(r.Values)
			for i, v := range r.Values {
				r.Values[i] = strings.Replace(v, "external-dns/owner="+in.OwnerID, "external-dns/owner="+owner, 1)
			}
		}
		out = append(out, r)
	}
	return out
}

func dropRegistry(in *Input, records []Record) []Record {
	data, _ := split(in, records)
	return data
}

// takeable is which of our record sets ExternalDNS would take once the ownership says
// openova: types the configuration manages and whose ownership name it maps back.
func takeable(cfg *externaldns.Config, data []Record) map[string]bool {
	out := map[string]bool{}
	for _, r := range data {
		if plan.IsManagedRecord(r.Type, cfg.ManagedDNSRecordTypes, cfg.ExcludeDNSRecordTypes) && readable(cfg, r) {
			out[key(r.Name, r.Type)] = true
		}
	}
	return out
}

func keys(eps []*endpoint.Endpoint) map[string]bool {
	out := map[string]bool{}
	for _, ep := range eps {
		out[key(ep.DNSName, ep.RecordType)] = true
	}
	return out
}

func diff(want, got map[string]bool) (missing, extra []string) {
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return missing, extra
}

// TestControlOpenovaOwnerIsTakenOver: the same records with only the owner id in their
// ownership records changed to openova. ExternalDNS must now update every record set it
// manages (conflicting desire) and, under sync, delete each one it no longer wants. If our
// ownership names did not map to our records, nothing would be taken here: this is what
// lets the other tests fail.
func TestControlOpenovaOwnerIsTakenOver(t *testing.T) {
	in := needInput(t)
	for _, c := range configurations() {
		for _, policy := range []string{"sync", "upsert-only"} {
			cfg := config(t, policy, c.extra...)
			for _, set := range in.Sets {
				data, _ := split(in, set.Records)
				want := takeable(cfg, data)
				records := rewriteOwner(in, set.Records, seedOwner)
				for desire, desired := range desires(data) {
					w := newWorld(t, in, cfg, records)
					changes, _ := w.plan(t, desired)
					report.add(figure("control-openova", c.name, policy, desire, changes, 0, 0))
					var got map[string]bool
					switch {
					case desire == "other-type":
						continue
					case desire == "conflicting":
						got = keys(changes.UpdateNew)
					case policy == "sync":
						got = keys(changes.Delete)
					default:
						if len(changes.Delete) > 0 {
							t.Errorf("%s: --policy=%s planned %d deletes", set.ID, policy, len(changes.Delete))
						}
						continue
					}
					report.ControlTakeovers[c.name+"/"+policy+"/"+desire] += len(got)
					if missing, extra := diff(want, got); len(missing)+len(extra) > 0 {
						t.Errorf("%s [%s, --policy=%s, %s desire]: with owner %s ExternalDNS took %v; expected also %v, not %v",
							set.ID, c.name, policy, desire, seedOwner, sortedKeys(got), missing, extra)
					}
				}
			}
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestControlMissingRegistryRecord: our records with no ownership records at all. ExternalDNS
// (since its owner filter on updates and deletes) does not take over records without an
// owner either; this records that, so a change in ExternalDNS's behaviour shows up here.
func TestControlMissingRegistryRecord(t *testing.T) {
	in := needInput(t)
	for _, c := range configurations() {
		cfg := config(t, "sync", c.extra...)
		for _, set := range in.Sets {
			data, _ := split(in, set.Records)
			o := owned(data)
			for desire, desired := range desires(data) {
				w := newWorld(t, in, cfg, dropRegistry(in, set.Records))
				for k, ep := range w.current(t) {
					if owner, ok := ep.Labels[endpoint.OwnerLabelKey]; ok {
						t.Errorf("%s: %s has owner %q without any ownership record", set.ID, k, owner)
					}
				}
				changes, _ := w.runOnce(t, desired)
				hits, beside := touched(changes, o)
				report.add(figure("control-missing", c.name, "sync", desire, changes, len(hits), len(beside)))
				for _, h := range hits {
					t.Errorf("%s [%s, %s desire]: with no ownership record ExternalDNS plans %s", set.ID, c.name, desire, h)
				}
			}
		}
	}
}

// oldName is the pre-v0.12 ownership name ExternalDNS still reads: prefix + name, no type
// (a leading '*' replaced as the registry replaces it when looking the name up).
func oldName(cfg *externaldns.Config, name string) string {
	if cfg.TXTWildcardReplacement != "" && strings.HasPrefix(name, "*.") {
		name = cfg.TXTWildcardReplacement + name[1:]
	}
	return cfg.TXTPrefix + name
}

// withOldFormat replaces each typed ownership record by one old-format record per name,
// owned by owner (content of the first typed record of that name, owner rewritten).
func withOldFormat(in *Input, cfg *externaldns.Config, records []Record, owner string, keepNew bool) []Record {
	data, reg := split(in, records)
	byName := map[string]Record{}
	for _, r := range reg {
		byName[strings.ToLower(r.Name)] = r
	}
	m := seedMapper(cfg)
	out := slices.Clone(data)
	if keepNew {
		out = append(out, reg...)
	}
	seen := map[string]bool{}
	for _, r := range data {
		name := oldName(cfg, r.Name)
		if seen[name] {
			continue
		}
		src, ok := byName[strings.ToLower(m.ToTXTName(r.Name, r.Type))]
		if !ok {
			continue
		}
		seen[name] = true
		old := src
		old.Name = name
		old.Values = rewriteOwner(in, []Record{src}, owner)[0].Values
		out = append(out, old)
	}
	return out
}

// TestOldRegistryFormat covers the format ExternalDNS still reads beside the typed one:
//   - ours in old format only: ExternalDNS attributes every type to us except AAAA (it
//     never falls back to the old format for AAAA), and plans nothing on our names;
//   - ours typed plus an openova old-format record at the same names (left by an older
//     ExternalDNS): the typed one wins, the records stay ours, nothing is planned;
//   - control, openova old-format only: ExternalDNS takes every managed type except AAAA.
func TestOldRegistryFormat(t *testing.T) {
	in := needInput(t)
	cfg := config(t, "sync", configurations()[1].extra...)
	for _, set := range in.Sets {
		data, _ := split(in, set.Records)
		cases := []struct {
			name    string
			records []Record
		}{
			{"ours-old-only", withOldFormat(in, cfg, set.Records, in.OwnerID, false)},
			{"ours-new-plus-openova-old", withOldFormat(in, cfg, set.Records, seedOwner, true)},
		}
		for _, tc := range cases {
			o := owned(tc.records)
			w := newWorld(t, in, cfg, tc.records)
			current := w.current(t)
			for _, r := range data {
				if !slices.Contains(allTypes, r.Type) {
					continue
				}
				owner, owned := current[key(r.Name, r.Type)].Labels[endpoint.OwnerLabelKey]
				wantOwned := tc.name != "ours-old-only" || r.Type != endpoint.RecordTypeAAAA
				switch {
				case wantOwned && owner != in.OwnerID:
					t.Errorf("%s [%s]: %s %s: ExternalDNS reads owner %q, want %q", set.ID, tc.name, r.Name, r.Type, owner, in.OwnerID)
				case !wantOwned && owned:
					t.Errorf("%s [%s]: %s AAAA: owner %q from an old-format record (ExternalDNS skips those for AAAA)", set.ID, tc.name, r.Name, owner)
				case wantOwned:
					report.OldFormat[tc.name+"/attributed"]++
				default:
					report.OldFormat[tc.name+"/aaaa-unowned"]++
				}
			}
			for desire, desired := range desires(data) {
				w := newWorld(t, in, cfg, tc.records)
				changes, _ := w.runOnce(t, desired)
				hits, beside := touched(changes, o)
				report.add(figure(tc.name, "seed+all-types", "sync", desire, changes, len(hits), len(beside)))
				for _, h := range hits {
					t.Errorf("%s [%s, %s desire]: ExternalDNS plans %s", set.ID, tc.name, desire, h)
				}
			}
		}
		// Control: only an openova old-format record; ExternalDNS takes all but AAAA.
		records := withOldFormat(in, cfg, set.Records, seedOwner, false)
		want := map[string]bool{}
		for k := range takeable(cfg, data) {
			if !strings.HasSuffix(k, " "+endpoint.RecordTypeAAAA) {
				want[k] = true
			}
		}
		w := newWorld(t, in, cfg, records)
		changes, _ := w.plan(t, desires(data)["conflicting"])
		report.add(figure("control-openova-old", "seed+all-types", "sync", "conflicting", changes, 0, 0))
		got := keys(changes.UpdateNew)
		report.OldFormat["control-openova-old/taken"] += len(got)
		if missing, extra := diff(want, got); len(missing)+len(extra) > 0 {
			t.Errorf("%s [control-openova-old]: ExternalDNS took %v; expected also %v, not %v", set.ID, sortedKeys(got), missing, extra)
		}
	}
}
