package registration

import (
	"context"
	"fmt"

	"launchgraph/ent"
	"launchgraph/ent/notification"
	"launchgraph/ent/registrant"
)

// Notice is a registrant's state change, handed to the Notifier in the transaction that
// makes it.
type Notice struct {
	Kind       notification.Kind
	Registrant *ent.Registrant
	LaunchID   int
	// ManageToken is the plain manage token, known only at registration ("" otherwise).
	ManageToken string
}

// Notifier writes what tells a registrant of a change (the outbox), with tx the client of
// the transaction making the change: an error rolls the change back.
type Notifier interface {
	Notify(ctx context.Context, tx *ent.Client, n Notice) error
}

// WithNotifier makes the service hand every registrant state change to n.
func WithNotifier(n Notifier) Option { return func(s *Service) { s.notifier = n } }

// notify hands one change to the notifier, if any.
func (s *Service) notify(ctx context.Context, tx *ent.Client, kind notification.Kind, r *ent.Registrant, token string) error {
	if s.notifier == nil || r == nil {
		return nil
	}
	if err := s.notifier.Notify(ctx, tx, Notice{Kind: kind, Registrant: r, LaunchID: r.LaunchID, ManageToken: token}); err != nil {
		return fmt.Errorf("registration: notify: %w", err)
	}
	return nil
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
	for _, r := range rs {
		if err := s.notify(ctx, tx, notification.KindPROMOTED, r, ""); err != nil {
			return err
		}
	}
	return nil
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
