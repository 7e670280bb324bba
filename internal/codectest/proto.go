package codectest

import "github.com/tendril-wasm/tendril/internal/testproto"

// ToProto returns r as the generated message with the same data.
func ToProto(r Record) *testproto.Record {
	m := &testproto.Record{
		Id:       r.ID,
		Name:     r.Name,
		Tags:     r.Tags,
		Attrs:    r.Attrs,
		Owner:    personToProto(r.Owner),
		Blob:     r.Blob,
		Nickname: r.Nickname,
		Active:   r.Active,
		Ratio:    r.Ratio,
		Counts:   r.Counts,
		Samples:  r.Samples,
		Limit:    r.Limit,
	}
	if r.Children != nil {
		m.Children = make([]*testproto.Person, len(r.Children))
		for i := range r.Children {
			m.Children[i] = personToProto(&r.Children[i])
		}
	}
	return m
}

// FromProto returns the Record with the data of m.
func FromProto(m *testproto.Record) Record {
	r := Record{
		ID:       m.GetId(),
		Name:     m.GetName(),
		Tags:     m.GetTags(),
		Attrs:    m.GetAttrs(),
		Owner:    personFromProto(m.GetOwner()),
		Blob:     m.GetBlob(),
		Nickname: m.Nickname,
		Active:   m.GetActive(),
		Ratio:    m.GetRatio(),
		Counts:   m.GetCounts(),
		Samples:  m.GetSamples(),
		Limit:    m.Limit,
	}
	if cs := m.GetChildren(); cs != nil {
		r.Children = make([]Person, len(cs))
		for i, c := range cs {
			r.Children[i] = *personFromProto(c)
		}
	}
	return r
}

// ProtoPayload returns Payload(n) as the generated message.
func ProtoPayload(n int) *testproto.Record { return ToProto(Payload(n)) }

func personToProto(p *Person) *testproto.Person {
	if p == nil {
		return nil
	}
	m := &testproto.Person{Name: p.Name, Age: p.Age, Emails: p.Emails}
	if a := p.Address; a != nil {
		m.Address = &testproto.Address{Street: a.Street, City: a.City, Zip: a.Zip}
	}
	return m
}

func personFromProto(m *testproto.Person) *Person {
	if m == nil {
		return nil
	}
	p := &Person{Name: m.GetName(), Age: m.GetAge(), Emails: m.GetEmails()}
	if a := m.GetAddress(); a != nil {
		p.Address = &Address{Street: a.GetStreet(), City: a.GetCity(), Zip: a.GetZip()}
	}
	return p
}
