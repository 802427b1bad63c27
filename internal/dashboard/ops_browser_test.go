package dashboard

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/salesengine/salesengine/internal/store"
)

// acceptDialogs answers OK to every confirm() the page opens (the discard button asks first).
func acceptDialogs(ctx context.Context) {
	dialogs := chromedp.Events(ctx, cdppage.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			if _, err := chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: true}); err != nil {
				return
			}
		}
	}()
}

// TestBrowserRetryDiscard: in a real browser, the operator presses retry on a dead delivery, which the delivery
// workers (running as under serve) then deliver to the connection's real receiver, and discard on another,
// which is never sent.
func TestBrowserRetryDiscard(t *testing.T) {
	t.Parallel()
	f := newQueueFixture(t, fixtureOptions{})
	acme := f.conns[0]
	dead := f.deliveries(t, acme.ID, store.DeliveryDead)
	if len(dead) < 2 {
		t.Fatalf("%d dead deliveries, the test needs 2", len(dead))
	}
	retried, discarded := dead[0], dead[1]
	f.gates[0].mode.Store(gateOpen) // acme's receiver is back
	if err := f.eng.StartDelivering(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = f.eng.StopDelivering(ctx)
	})
	received := func(eventID string) bool {
		for _, r := range f.recv[0].Received() {
			if r.ID == eventID {
				return true
			}
		}
		return false
	}

	ctx := newBrowser(t, 1280, 900)
	acceptDialogs(ctx)
	row := func(id int64) string { return fmt.Sprintf(`tr[data-delivery="%d"]`, id) }
	gone := func(id int64) bool {
		return must(chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector('%s') === null`, row(id)))))(t)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/webhooks?state=dead&connection=acme"),
		chromedp.WaitVisible(row(retried.ID)),
		chromedp.Click(row(retried.ID)+" button.retry"),
		chromedp.WaitVisible(`p.notice.ok`),
	); err != nil {
		t.Fatal(err)
	}
	if notice := must(chromedp.Run(ctx, chromedp.Text(`p.notice.ok`)))(t); notice != fmt.Sprintf("Reintentando la entrega %d.", retried.ID) {
		t.Errorf("after retry the page says %q", notice)
	}
	if !gone(retried.ID) {
		t.Error("the retried delivery is still in the dead list")
	}
	deadline := time.Now().Add(30 * time.Second)
	for !received(retried.EventID) || f.delivery(t, retried.ID).State != store.DeliveryDelivered {
		if time.Now().After(deadline) {
			t.Fatalf("the retried delivery did not reach the receiver: %+v", f.delivery(t, retried.ID))
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The page then shows it delivered: gone from the queue, its 2xx among the recent attempts.
	if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/webhooks?connection=acme"), chromedp.WaitVisible(`table.attempts`)); err != nil {
		t.Fatal(err)
	}
	if !gone(retried.ID) {
		t.Error("the delivered delivery is still listed")
	}
	attempts := must(chromedp.Run(ctx, chromedp.Text(`table.attempts tbody tr:first-child`)))(t)
	if !strings.Contains(attempts, fmt.Sprintf("#%d", retried.ID)) || !strings.Contains(attempts, "204") {
		t.Errorf("the newest attempt should be the retried delivery's 204: %q", attempts)
	}

	// Discard another: it asks first (accepted), then the delivery is gone and never sent.
	if err := chromedp.Do(ctx,
		chromedp.Click(row(discarded.ID)+" button.discard"),
		chromedp.WaitVisible(`p.notice.ok`),
	); err != nil {
		t.Fatal(err)
	}
	if notice := must(chromedp.Run(ctx, chromedp.Text(`p.notice.ok`)))(t); notice != fmt.Sprintf("Descartada la entrega %d.", discarded.ID) {
		t.Errorf("after discard the page says %q", notice)
	}
	if !gone(discarded.ID) {
		t.Error("the discarded delivery is still listed")
	}
	if d := f.delivery(t, discarded.ID); d.State != store.DeliveryDiscarded || received(discarded.EventID) {
		t.Errorf("discarded delivery: state %s, received %v", d.State, received(discarded.EventID))
	}
}

// TestBrowserOperatorPagesOnPhone: the operator's pages, full of failing and dead deliveries, fit a 390 px
// screen (tables become one card per row).
func TestBrowserOperatorPagesOnPhone(t *testing.T) {
	t.Parallel()
	f := newQueueFixture(t, fixtureOptions{})
	ctx := newBrowser(t, 390, 844)
	for _, path := range []string{"/connections", connectionPath(f.conns[0].Name), "/webhooks"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+path), chromedp.WaitVisible(`main h1`)); err != nil {
			t.Fatal(err)
		}
		noOverflow(t, ctx, path)
	}
	if n := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('tr[data-delivery]').length`)))(t); n == 0 {
		t.Error("the phone's /webhooks lists no delivery")
	}
}
