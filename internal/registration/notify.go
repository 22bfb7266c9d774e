package registration

import (
	"context"
	"fmt"

	"launchgraph/ent"
	"launchgraph/ent/notification"
	"launchgraph/ent/registrant"
)

// Notice is a registrant's state change, handed to the Notifier in the transaction that
// makes it: what happened, not a message (the outbox's sender renders it later).
type Notice struct {
	Kind notification.Kind
	// Registrant is the registrant as the change left it.
	Registrant *ent.Registrant
	// SealedToken is the manage token sealed by the Notifier (Seal), at registration only.
	SealedToken []byte
	// ManageToken is the plain token, when known (a rendered message's link).
	ManageToken string
}

// Notifier records registrant state changes for the registrants to be told (the outbox).
type Notifier interface {
	// Seal seals a manage token for the record; the service calls it before it locks
	// the launch.
	Seal(token string) ([]byte, error)
	// Notify stores notices with tx, the client of the transaction making the changes:
	// an error rolls the changes back.
	Notify(ctx context.Context, tx *ent.Client, notices []Notice) error
}

// WithNotifier makes the service hand every registrant state change to n.
func WithNotifier(n Notifier) Option { return func(s *Service) { s.notifier = n } }

// notify hands changes to the notifier, if any.
func (s *Service) notify(ctx context.Context, tx *ent.Client, notices ...Notice) error {
	if s.notifier == nil || len(notices) == 0 {
		return nil
	}
	if err := s.notifier.Notify(ctx, tx, notices); err != nil {
		return fmt.Errorf("registration: notify: %w", err)
	}
	return nil
}

// notifyRegistered tells the registrants rs, made by reqs[made[j]], of their registration.
func (s *Service) notifyRegistered(ctx context.Context, tx *ent.Client, reqs []*request, made []int, rs []*ent.Registrant) error {
	if s.notifier == nil {
		return nil
	}
	notices := make([]Notice, len(rs))
	for j, r := range rs {
		notices[j] = Notice{Kind: registeredKind(r.Status), Registrant: r, SealedToken: reqs[made[j]].sealedMail}
	}
	return s.notify(ctx, tx, notices...)
}

// notifyPromoted tells each promoted registrant of its seat.
func (s *Service) notifyPromoted(ctx context.Context, tx *ent.Client, promoted []Promotion) error {
	if s.notifier == nil || len(promoted) == 0 {
		return nil
	}
	ids := make([]int, len(promoted))
	for i, p := range promoted {
		ids[i] = p.RegistrantID
	}
	rs, err := tx.Registrant.Query().Where(registrant.IDIn(ids...)).Order(registrant.ByID()).All(ctx)
	if err != nil {
		return fmt.Errorf("registration: read promoted: %w", err)
	}
	notices := make([]Notice, len(rs))
	for i, r := range rs {
		notices[i] = Notice{Kind: notification.KindPROMOTED, Registrant: r}
	}
	return s.notify(ctx, tx, notices...)
}

// registeredKind is the notification of a new registration with status st.
func registeredKind(st registrant.Status) notification.Kind {
	switch st {
	case registrant.StatusPENDING:
		return notification.KindPENDING
	case registrant.StatusWAITLISTED:
		return notification.KindWAITLISTED
	}
	return notification.KindREGISTERED
}
