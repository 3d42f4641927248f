package emulator

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wxcard/wxcard/events"
)

// Event pushes: what WeChat posts to an app's server URL when something
// happens to its cards. Each app may have a server URL, token,
// EncodingAESKey and mode, as in WeChat's console. A state change queues
// its event while it holds the emulator's lock; one sender goroutine posts
// the queue in order once that change has committed, never holding the
// lock while a push is on the wire. Like WeChat it waits PushTimeout for
// an answer and retries up to PushRetries times when none comes or the
// answer is not HTTP 200. Push configuration and the push log live in
// memory (not in the snapshot).

// PushMode is how pushes are sent, as chosen in WeChat's console.
type PushMode string

const (
	// PushPlaintext posts the XML as is, signed in the query (明文模式).
	PushPlaintext PushMode = "plaintext"
	// PushSafe posts the XML encrypted with the EncodingAESKey (安全模式).
	PushSafe PushMode = "safe"
	// PushCompatible posts the plaintext elements and the encrypted
	// message side by side (兼容模式), signed as in safe mode.
	PushCompatible PushMode = "compatible"
)

// Push defaults, as WeChat documents them: it waits 5 seconds for an
// answer and retries three times.
const (
	DefaultPushTimeout = 5 * time.Second
	DefaultPushRetries = 3
	// MaxPushLog is how many pushes the log keeps (the oldest go first).
	MaxPushLog = 200
	// maxPushQueue bounds pushes waiting to be sent; beyond it new ones are
	// logged as dropped.
	maxPushQueue = 1000
	// maxPushAnswer bounds how much of an answer is read.
	maxPushAnswer = 64 << 10
)

// Outcomes of a push and of its attempts, as the push log shows them.
const (
	PushPending   = "pending"
	PushDelivered = "delivered"
	PushFailed    = "failed"
	PushDropped   = "dropped"

	AttemptSuccess    = "success"
	AttemptTimeout    = "timeout"
	AttemptLostAnswer = "answer_lost" // injected: delivered, answer discarded as if late
	AttemptHTTPStatus = "http_status" // answered, but not with HTTP 200
	AttemptError      = "error"       // could not connect, or the connection broke
)

// reviewAccount is FromUserName of review events: they come from WeChat,
// not from a user. The value is the emulator's choice.
const reviewAccount = "weixin_card_review"

// PushConfig is an app's server URL configuration. Token is 3..32 letters
// and digits; EncodingAESKey (43 characters) is needed in safe mode.
// OriginalID is the account's original id (gh_…), the ToUserName of every
// push; one is made up when it is empty.
type PushConfig struct {
	URL            string   `json:"url"`
	Token          string   `json:"token"`
	EncodingAESKey string   `json:"encoding_aes_key"`
	Mode           PushMode `json:"mode"`
	OriginalID     string   `json:"original_id"`
}

// PushTarget is an app's push configuration without its secrets, as the
// control routes show it.
type PushTarget struct {
	URL        string   `json:"url"`
	Mode       PushMode `json:"mode"`
	OriginalID string   `json:"original_id"`
}

// PushRecord is one event push in the log.
type PushRecord struct {
	ID     int64  `json:"id"`
	AppID  string `json:"appid"`
	Event  string `json:"event"`
	OpenID string `json:"openid"` // FromUserName
	CardID string `json:"card_id,omitempty"`
	Code   string `json:"code,omitempty"`
	// CreateTime is the event's time on the emulated clock.
	CreateTime int64         `json:"create_time"`
	Mode       PushMode      `json:"mode"`
	URL        string        `json:"url"` // without its query
	Status     string        `json:"status"`
	Attempts   []PushAttempt `json:"attempts"`
	// XML is the plaintext message (encrypted on the wire in safe mode).
	XML string `json:"xml"`
}

// PushAttempt is one POST of a push.
type PushAttempt struct {
	At         time.Time `json:"at"` // wall clock
	Outcome    string    `json:"outcome"`
	HTTPStatus int       `json:"http_status,omitempty"`
	DurationMS int64     `json:"duration_ms"`
}

// PushFaults make the next pushes fail the way a slow server does.
// LoseAnswers: the next that many attempts are delivered, but their
// answers are discarded as if they came after the timeout, so WeChat's
// retry follows — the case a server's deduplication is for.
type PushFaults struct {
	LoseAnswers int `json:"lose_answers"`
}

type pushSettings struct {
	timeout time.Duration
	retries int
}

// WithPushTimeout sets how long a push waits for its answer (default 5 s,
// as WeChat); tests use a short one.
func WithPushTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < time.Millisecond || d > time.Minute {
			return fmt.Errorf("emulator: WithPushTimeout: %v is outside 1ms..1m", d)
		}
		c.push.timeout = d
		return nil
	}
}

// WithPushRetries sets how many times an unanswered push is sent again
// (default 3, as WeChat).
func WithPushRetries(n int) Option {
	return func(c *config) error {
		if n < 0 || n > 10 {
			return fmt.Errorf("emulator: WithPushRetries: %d is outside 0..10", n)
		}
		c.push.retries = n
		return nil
	}
}

type pushTarget struct {
	url        *url.URL
	token      string
	mode       PushMode
	originalID string
	crypter    *events.Crypter // safe mode
}

type pushJob struct {
	rec    *PushRecord
	target *pushTarget
	xml    []byte
}

// pusher queues and sends event pushes.
type pusher struct {
	e        *Emulator
	settings pushSettings
	client   *http.Client

	// mu guards what follows. It may be taken while Emulator.mu is held
	// (to queue a push), never the other way round.
	mu      sync.Mutex
	targets map[string]*pushTarget
	queue   []*pushJob
	sending bool
	idle    chan struct{} // closed when the sender has emptied the queue
	log     []*PushRecord
	nextID  int64
	faults  PushFaults
	// skuReminded is when each card's last card_sku_remind went out.
	skuReminded map[skuKey]time.Time
}

func newPusher(e *Emulator, s pushSettings) *pusher {
	return &pusher{
		e: e, settings: s,
		client: &http.Client{
			// A connection per push, closed after it: kept-alive (or
			// speculatively dialled) connections would hold up the
			// receiving server's graceful shutdown.
			Transport: &http.Transport{DisableKeepAlives: true},
			// No redirects: WeChat posts to the configured URL only.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		targets: map[string]*pushTarget{},
	}
}

func checkPushConfig(c PushConfig) (*pushTarget, error) {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" || len(c.URL) > 1024 {
		return nil, fmt.Errorf("%w: url must be an absolute http(s) URL", ErrInvalidArgument)
	}
	if len(c.Token) < 3 || len(c.Token) > 32 || !alnumOnly(c.Token) {
		return nil, fmt.Errorf("%w: token must be 3..32 letters and digits", ErrInvalidArgument)
	}
	if c.OriginalID != "" && (len(c.OriginalID) > 64 || !strings.HasPrefix(c.OriginalID, "gh_")) {
		return nil, fmt.Errorf("%w: original_id must start with gh_ (at most 64 bytes)", ErrInvalidArgument)
	}
	t := &pushTarget{url: u, token: c.Token, mode: c.Mode, originalID: c.OriginalID}
	switch c.Mode {
	case PushPlaintext:
		if c.EncodingAESKey != "" {
			if _, err := events.NewCrypter(c.Token, c.EncodingAESKey, "wx0"); err != nil {
				return nil, fmt.Errorf("%w: encoding_aes_key must be 43 characters of base64", ErrInvalidArgument)
			}
		}
	case PushSafe, PushCompatible:
		if c.EncodingAESKey == "" {
			return nil, fmt.Errorf("%w: %s mode needs encoding_aes_key", ErrInvalidArgument, c.Mode)
		}
	default:
		return nil, fmt.Errorf("%w: mode must be plaintext, safe or compatible", ErrInvalidArgument)
	}
	return t, nil
}

// SetPushConfig sets appID's server URL configuration; from then on its
// card events are pushed there. Errors: ErrUnknownApp, ErrInvalidArgument.
func (e *Emulator) SetPushConfig(ctx context.Context, appID string, c PushConfig) error {
	t, err := checkPushConfig(c)
	if err != nil {
		return err
	}
	_, unlock, err := e.lockApp(ctx, appID)
	if err != nil {
		return err
	}
	defer unlock()
	if t.mode != PushPlaintext {
		if t.crypter, err = events.NewCrypter(c.Token, c.EncodingAESKey, appID); err != nil {
			return fmt.Errorf("%w: encoding_aes_key must be 43 characters of base64", ErrInvalidArgument)
		}
	}
	if t.originalID == "" {
		t.originalID = "gh_" + e.hex(12)
	}
	e.push.mu.Lock()
	e.push.targets[appID] = t
	e.push.mu.Unlock()
	return nil
}

// ClearPushConfig removes appID's server URL: nothing is pushed any more.
// Pushes already queued are still sent.
func (e *Emulator) ClearPushConfig(appID string) {
	e.push.mu.Lock()
	delete(e.push.targets, appID)
	e.push.mu.Unlock()
}

// PushTargetOf returns appID's push configuration without its secrets.
func (e *Emulator) PushTargetOf(appID string) (PushTarget, bool) {
	e.push.mu.Lock()
	defer e.push.mu.Unlock()
	t := e.push.targets[appID]
	if t == nil {
		return PushTarget{}, false
	}
	return PushTarget{URL: redactURL(t.url), Mode: t.mode, OriginalID: t.originalID}, true
}

// SetPushFaults replaces the push fault configuration.
func (e *Emulator) SetPushFaults(f PushFaults) error {
	if f.LoseAnswers < 0 || f.LoseAnswers > 1000 {
		return fmt.Errorf("%w: lose_answers must be 0..1000", ErrInvalidArgument)
	}
	e.push.mu.Lock()
	e.push.faults = f
	e.push.mu.Unlock()
	return nil
}

// Pushes returns appID's push log, oldest first (all apps' for ""): copies,
// at most MaxPushLog.
func (e *Emulator) Pushes(appID string) []PushRecord {
	p := e.push
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]PushRecord, 0, len(p.log))
	for _, r := range p.log {
		if appID == "" || r.AppID == appID {
			c := *r
			c.Attempts = append([]PushAttempt(nil), r.Attempts...)
			out = append(out, c)
		}
	}
	return out
}

// WaitPushes blocks until every push queued so far has been delivered or
// has failed all its attempts, or ctx is done. Tests call it after a state
// change to see its event arrive; servers call it when shutting down.
func (e *Emulator) WaitPushes(ctx context.Context) error {
	p := e.push
	p.mu.Lock()
	if !p.sending {
		p.mu.Unlock()
		return nil
	}
	idle := p.idle
	p.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// xmlField is one element of a pushed message.
type xmlField struct {
	name, value string
	number      bool
}

func str(name, v string) xmlField { return xmlField{name: name, value: v} }
func num(name string, v int64) xmlField {
	return xmlField{name: name, value: strconv.FormatInt(v, 10), number: true}
}

func writeCDATA(b *bytes.Buffer, s string) {
	b.WriteString("<![CDATA[")
	b.WriteString(strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>"))
	b.WriteString("]]>")
}

// emit queues event for appID's server URL, if it has one. Callers hold
// Emulator.mu: the push leaves after the change that caused it commits.
func (e *Emulator) emit(appID, event, from string, fields ...xmlField) {
	p := e.push
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.targets[appID]
	if t == nil {
		return
	}
	created := e.now().Unix()
	var b bytes.Buffer
	b.WriteString("<xml><ToUserName>")
	writeCDATA(&b, t.originalID)
	b.WriteString("</ToUserName><FromUserName>")
	writeCDATA(&b, from)
	b.WriteString("</FromUserName><CreateTime>")
	b.WriteString(strconv.FormatInt(created, 10))
	b.WriteString("</CreateTime><MsgType><![CDATA[event]]></MsgType><Event>")
	writeCDATA(&b, event)
	b.WriteString("</Event>")
	rec := &PushRecord{
		AppID: appID, Event: event, OpenID: from, CreateTime: created,
		Mode: t.mode, URL: redactURL(t.url), Status: PushPending, Attempts: []PushAttempt{},
	}
	for _, f := range fields {
		b.WriteString("<" + f.name + ">")
		if f.number {
			b.WriteString(f.value)
		} else {
			writeCDATA(&b, f.value)
		}
		b.WriteString("</" + f.name + ">")
		switch f.name {
		case "CardId":
			rec.CardID = f.value
		case "UserCardCode":
			rec.Code = f.value
		}
	}
	b.WriteString("</xml>")
	rec.XML = b.String()
	p.nextID++
	rec.ID = p.nextID
	p.appendLog(rec)
	if len(p.queue) >= maxPushQueue {
		rec.Status = PushDropped
		return
	}
	p.queue = append(p.queue, &pushJob{rec: rec, target: t, xml: b.Bytes()})
	if !p.sending {
		p.sending = true
		p.idle = make(chan struct{})
		go p.run()
	}
}

// appendLog adds rec, dropping the oldest past MaxPushLog; callers hold p.mu.
func (p *pusher) appendLog(rec *PushRecord) {
	if len(p.log) >= MaxPushLog {
		copy(p.log, p.log[1:])
		p.log = p.log[:len(p.log)-1]
	}
	p.log = append(p.log, rec)
}

// run sends the queue in order and exits when it is empty.
func (p *pusher) run() {
	for {
		p.mu.Lock()
		if len(p.queue) == 0 {
			p.sending = false
			close(p.idle)
			p.mu.Unlock()
			return
		}
		job := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.mu.Unlock()
		// The job was queued under Emulator.mu; taking it once orders this
		// push after the change that caused it (and its snapshot write).
		p.e.mu.Lock()
		//lint:ignore SA2001 an empty critical section is the point: a barrier
		p.e.mu.Unlock()
		p.deliver(job)
	}
}

// deliver posts job until it is answered with HTTP 200 or the retries run out.
func (p *pusher) deliver(job *pushJob) {
	for try := 0; try <= p.settings.retries; try++ {
		a := p.attempt(job)
		p.mu.Lock()
		job.rec.Attempts = append(job.rec.Attempts, a)
		if a.Outcome == AttemptSuccess {
			job.rec.Status = PushDelivered
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
	}
	p.mu.Lock()
	job.rec.Status = PushFailed
	p.mu.Unlock()
}

func (p *pusher) attempt(job *pushJob) PushAttempt {
	p.mu.Lock()
	lose := p.faults.LoseAnswers > 0
	if lose {
		p.faults.LoseAnswers--
	}
	p.mu.Unlock()

	start := time.Now()
	a := PushAttempt{At: start.UTC()}
	req, err := p.request(job, start)
	if err != nil {
		a.Outcome = AttemptError
		return a
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.settings.timeout)
	defer cancel()
	res, err := p.client.Do(req.WithContext(ctx))
	if err == nil {
		_, err = io.Copy(io.Discard, io.LimitReader(res.Body, maxPushAnswer))
		res.Body.Close()
		a.HTTPStatus = res.StatusCode
	}
	a.DurationMS = time.Since(start).Milliseconds()
	switch {
	case err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		a.Outcome = AttemptTimeout
	case err != nil:
		a.Outcome = AttemptError
	case lose:
		a.Outcome = AttemptLostAnswer
	case res.StatusCode != http.StatusOK:
		a.Outcome = AttemptHTTPStatus
	default:
		a.Outcome = AttemptSuccess
	}
	return a
}

// request builds one POST of job: signed with the token, sealed in safe
// mode. Each attempt has its own timestamp and nonce, on the wall clock:
// the receiver checks them against its own.
func (p *pusher) request(job *pushJob, now time.Time) (*http.Request, error) {
	t := job.target
	ts := strconv.FormatInt(now.Unix(), 10)
	nonce := strconv.FormatUint(uint64(randUint32()), 10)
	body := job.xml
	var q url.Values
	switch t.mode {
	case PushSafe:
		sealed, err := t.crypter.Seal(job.xml, t.originalID, ts, nonce)
		if err != nil {
			return nil, err
		}
		body, q = sealed.Body, sealed.Query
	case PushCompatible:
		encrypted, err := t.crypter.Encrypt(job.xml)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		b.Write(bytes.TrimSuffix(job.xml, []byte("</xml>")))
		b.WriteString("<Encrypt>")
		writeCDATA(&b, encrypted)
		b.WriteString("</Encrypt></xml>")
		body = b.Bytes()
		q = events.PlainQuery(t.token, ts, nonce)
		q.Set("encrypt_type", "aes")
		q.Set("msg_signature", t.crypter.MsgSignature(ts, nonce, encrypted))
	default:
		q = events.PlainQuery(t.token, ts, nonce)
	}
	u := *t.url
	merged := u.Query()
	for k, v := range q {
		merged[k] = v
	}
	u.RawQuery = merged.Encode()
	req, err := http.NewRequest(http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("User-Agent", "Mozilla/4.0 (wxcard emulator)")
	return req, nil
}

func randUint32() uint32 {
	var b [4]byte
	rand.Read(b[:])
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// redactURL is u without its query, which might carry a credential.
func redactURL(u *url.URL) string {
	c := *u
	c.RawQuery, c.User = "", nil
	return c.String()
}
