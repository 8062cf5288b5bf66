# Firewatch's wording in English. Every message here is also in ko.ftl (a test holds it).
# Ids: the area first (nav-, state-, overview-, …). Messages named by `th(…)` in a template
# may hold markup; their values are escaped.

## Time

time-ago = { $span } ago
time-in = in { $span }
time-just-now = just now
time-never = never
time-in-zone = times in

## Counts

count-changes = { $count ->
    [one] { $count } change
   *[other] { $count } changes
}
count-pages = { $count ->
    [one] { $count } page
   *[other] { $count } pages
}
count-alerts = { $count ->
    [one] { $count } alert
   *[other] { $count } alerts
}

## The frame

nav-overview = Overview
nav-incidents = Incidents
nav-alerts = Alerts
nav-oncall = On call
nav-services = Services
nav-changes = Changes
nav-postmortems = Post-mortems
nav-action-items = Action items
nav-insights = Metrics
nav-noise = Alert noise
nav-silences = Silences
nav-checks = Checks
nav-status-components = Status page
nav-events = Events
nav-deliveries = Deliveries
nav-tokens = Tokens
nav-users = Users
nav-audit = Audit log
nav-menu-learn = Learn
nav-menu-operate = Operate
nav-menu-admin = Admin
nav-main = Main
frame-theme = Theme
frame-theme-title = Switch between light, dark and the system's theme
frame-theme-dark = Dark
frame-theme-light = Light
frame-theme-auto = Auto
frame-sign-out = Sign out
role-viewer = viewer
role-responder = responder
role-admin = admin

## Common actions

action-acknowledge = Acknowledge
action-resolve = Resolve
action-escalate-now = Escalate now
action-redrive = Re-drive
action-save = Save
action-cancel = Cancel
action-delete = Delete
action-filter = Filter
action-approve = Approve
action-reject = Reject

## States shown as badges

state-firing = firing
state-acknowledged = acknowledged
state-silenced = silenced
state-inhibited = inhibited
state-resolved = resolved
state-triage = triage
state-active = active
state-mitigated = mitigated
state-learning = learning
state-closed = closed
state-declined = declined
state-ignored = ignored
state-accepted = accepted
state-delivered = delivered
state-dead = dead letter
state-retrying = retrying
state-pending = pending
state-healthy = healthy
state-refused = refused a message
state-failing = failing
state-idle = idle
state-published = published
state-in-review = in review
state-draft = draft
state-completed = completed
state-not-doing = not doing
state-outstanding = outstanding
severity-critical = critical
severity-error = error
severity-warning = warning
severity-info = info

## Sign-in (messages from the server)

login-too-many = Too many sign-in attempts. Try again in { $wait }.
login-wrong = Wrong user name or password.

## alerts.html
alerts-unchanged = Nothing changed: someone else got there first.
alerts-task-closed = Task closed.
alerts-task-unchanged = Nothing changed: the task was already closed.
alerts-changed-acknowledged = Alert acknowledged.
alerts-changed-resolved = Alert resolved.
alerts-changed = Alert { $change }.
alerts-reason-unacknowledged = unacknowledged
alerts-reason-recurring = recurring
alerts-tasks = Tasks
alerts-tasks-open = { $count } open
alerts-no-service = no service
alerts-no-team = no team
alerts-task-opened = opened { $ago }
alerts-task-close-confirm = Close this task? Do it once the alert is dealt with.
alerts-task-close = Close
alerts-no-open-tasks = No open tasks.
alerts-recently-closed = Recently closed
alerts-why = Why
alerts-alert = Alert
alerts-service = Service
alerts-team = Team
alerts-opened = Opened
alerts-closed = Closed
alerts-state-open = open
alerts-state-all = all
alerts-filter-label = Filter alerts
alerts-state = State
alerts-severity = Severity
alerts-severity-any = any
alerts-service-placeholder = e.g. api
alerts-fired = fired { $ago }
alerts-fire-count = ({ $count } times)
alerts-acknowledged-by = acknowledged by { $name }
alerts-empty-open = No open alerts.
alerts-empty-filtered = No alerts match these filters.

## alert.html
alert-by = by { $name }
alert-part-of = Part of
alert-summary = Summary
alert-fired = Fired
alert-fire-count = { $count ->
    [one] { $count } time
   *[other] { $count } times
}
alert-resolved = Resolved
alert-labels = Labels
alert-source = Source
alert-page-sent = sent
alert-page-failed = failed
alert-page-unreachable = unreachable
alert-page-cancelled = cancelled
alert-page-folded = folded
alert-escalation = Escalation: { $policy }
alert-escalation-paging = paging
alert-escalation-alerts = { $count ->
    [one] { $count } alert share it.
   *[other] { $count } alerts share it.
}
alert-escalation-started-next = Started { $at }; next step { $ago }.
alert-escalation-started = Started { $at }.
alert-pages = Pages
alert-step = Step
alert-who = Who
alert-how = How
alert-state = State
alert-due = Due
alert-sent = Sent
alert-page-step = { $step } (round { $round })
alert-no-pages = No pages yet.
alert-log = Log
alert-change-fired = fired
alert-changes = Changes

## silences.html
silences-heading = Silences and maintenance
silences-created = Silence created: the alerts it covers are quiet now.
silences-expired = Silence expired: alerts it covered that still fire are told now.
silences-unchanged = Nothing changed: it had already ended.
silences-status = Status
silences-covers = Covers
silences-when = When
silences-why = Why
silences-by = By
silences-status-active = active
silences-status-expired = expired
silences-maintenance = maintenance
silences-expire-confirm = Expire this silence? Alerts it covers that still fire will be told.
silences-expire = Expire
silences-live = In force and to come
silences-empty = Nothing is silenced.
silences-new = New silence
silences-matchers = Matchers
silences-service = Service
silences-service-placeholder = for a maintenance window, e.g. api
silences-duration = Duration
silences-repeat = Repeat (cron)
silences-cron-placeholder = maintenance only, e.g. 0 2 * * sun
silences-timezone = Time zone
silences-timezone-placeholder = for the cron, e.g. Europe/Berlin
silences-why-placeholder = what is being done, and by whom
silences-submit = Silence
silences-recently-ended = Recently ended

## noise.html
noise-title = Noise
noise-by-rule = rule
noise-by-service = service
noise-by-team = team
noise-heading = Noise report
noise-download-csv = Download CSV
noise-settings = Noise report settings
noise-by = By
noise-last-days = Last days
noise-days-placeholder = default: 7
noise-from = From
noise-from-placeholder = e.g. 2026-11-02T00:00:00Z
noise-to = To
noise-to-placeholder = default: now
noise-auto-resolve-within = Auto-resolved within (min)
noise-show = Show
noise-window = From { $from } to { $to } ({ $days } days).
noise-auto-resolved-means = Auto-resolved: resolved by the sender within { $minutes } min of firing.
noise-page-means = A page is a critical fire.
noise-activity-title = Fires and what came of them
noise-fired = fired
noise-notified = notified
noise-acknowledged = acknowledged
noise-auto-resolved = auto-resolved
noise-bar-fired = { $count } fired
noise-bar-notified = { $count } notified
noise-bar-acknowledged = { $count } acknowledged
noise-bar-auto-resolved = { $count } auto-resolved
noise-more-keys = { $count ->
    [one] The { $count } quieter { $by } are in the table below.
   *[other] The { $count } quieter { $by }s are in the table below.
}
noise-pages-title = Pages a week against the budget
noise-pages-a-week = pages a week
noise-over-budget = over budget
noise-budget = budget
noise-pages-of-budget = { $pages } of { $budget }
noise-over = over
noise-budgets-by-team = Budgets belong to teams: show the report by team or service to compare.
noise-no-pages-no-budget = Nothing paged in this window, and no { $by } here has a page budget.
noise-no-pages = Nothing paged in this window.
noise-col-rule = Rule
noise-col-service = Service
noise-col-team = Team
noise-col-fires = Fires
noise-col-notified = Notified
noise-col-acked = Acked
noise-col-acked-share = Acked %
noise-col-auto-resolved = Auto-resolved
noise-col-auto-share = Auto %
noise-col-flapping = Flapping
noise-col-median-ack = Median to ack
noise-col-median-resolve = Median to resolve
noise-col-pages = Pages
noise-col-pages-week = Pages / week
noise-col-budget-week = Budget / week
noise-empty = No alerts fired, changed or were notified in this window.

## checks.html
checks-failing = { $count } failing
checks-intro = What Firewatch probes itself (<code>{ $config }</code> in the config). A check alerts after its failures in a row and resolves after its passes; its alert is on the Alerts page.
checks-state = State
checks-check = Check
checks-last-result = Last result
checks-last-24h = Last 24 h
checks-last-days = Last { $days } days
checks-next-run = Next run
checks-passing = passing
checks-not-run-yet = not run yet
checks-outcome-ok = ok
checks-outcome-failed = failed
checks-availability = { $availability } up
checks-latency = mean { $latency }
checks-no-runs = no runs
checks-strip-label = Availability of { $name }, one bar a day
checks-legend-999 = 99.9% or more
checks-legend-99 = 99% or more
checks-legend-below-99 = below 99%
checks-empty = No checks are configured. Add a <code>{ $config }</code> entry (HTTP, TCP or TLS expiry) to the config; docs/alerts.md shows how (Built-in checks).
heartbeats-title = Heartbeats
heartbeats-intro = Jobs that ping Firewatch (<code>{ $config }</code>, and the watchdog of an alertmanager integration). A ping that does not come by its deadline, or a failure the job reports, is an alert.
heartbeats-heartbeat = Heartbeat
heartbeats-last-ping = Last ping
heartbeats-due = Next ping due by
heartbeats-late = late
heartbeats-failed = failed
heartbeats-up = up
heartbeats-waiting = waiting for a first ping
heartbeats-never = never
heartbeats-last-failure = failure reported { $at }
heartbeats-empty = No heartbeats are configured. Add a <code>{ $config }</code> entry, and have the job ping <code>/heartbeats/NAME</code> when it has run; docs/alerts.md shows how (Heartbeats).

## oncall.html
oncall-override-saved = Override saved: pages follow it from its start.
oncall-override-removed = Override removed.
oncall-test-page-sent = Test page sent through each of your contact methods.
oncall-now-by-team = Now, by team
oncall-schedule-until = { $schedule }, until { $at }
oncall-nobody = nobody
oncall-shadow-heading = Shadow pages
oncall-shadow-on = Shadow mode is on for { $policies }: these pages were decided and recorded, and none was sent. Compare them with your old pager's before you switch.
oncall-shadow-off = Shadow mode is off now; these pages were recorded while it was on, and none was sent.
oncall-shadow-step-of = step { $step }, round { $round }
oncall-shadow-due = due
oncall-shadow-none = No page would have gone out yet.
oncall-policy-gaps = Policies whose first step reaches nobody
oncall-mine = My on-call: { $name }
oncall-no-shifts = No shifts in the next two weeks.
oncall-contact-methods = Contact methods:
oncall-no-contacts = none: a page to you reaches nobody
oncall-when-paged = When paged:
oncall-send-test-page = Send me a test page
oncall-now = Now:
oncall-name-until = <strong>{ $name }</strong> until { $at }
oncall-override = override
oncall-nobody-on-call = Nobody on call:
oncall-timeline-label = { $name } over the next two weeks
oncall-day-by-day = Day by day ({ $tz })
oncall-calendar-feed-admin = Calendar feed: <code>{ $url }?token=…</code> with a token that has <code>{ $scope }</code> (<a href="/tokens">make one</a>).
oncall-calendar-feed = Calendar feed: <code>{ $url }?token=…</code> with a token that has <code>{ $scope }</code>.
oncall-overrides = Overrides
oncall-override-for = { $person } for { $replaces }
oncall-by = by { $name }
oncall-remove = Remove
oncall-no-schedules = No schedules yet: add <code>{ $config }</code> to the config.
oncall-override-heading = Override
oncall-new-override = New override
oncall-schedule = Schedule
oncall-who-takes-over = Who takes over
oncall-in-place-of = In place of
oncall-replaces-nobody = nobody: add them beside whoever is on call
oncall-from = From ({ $tz })
oncall-until = Until ({ $tz })
oncall-save-override = Save override

## services.html
services-truncated = Over a thousand alerts are open: the counts below are of the latest thousand.
services-status-incident = incident
services-status-alerting = alerting
services-status-ok = ok
services-team = Team
services-on-call = On call
services-until = until { $at }
services-nobody = nobody
services-then = then { $name } { $ago }
services-no-schedule = no schedule pages for it
services-incidents = Incidents
services-none-open = none open
services-alerts = Alerts
services-firing = { $count } firing
services-acknowledged = { $count } acknowledged
services-deployed = Deployed
services-no-deployments = no deployments seen
services-status-page = Status page
services-set = set
services-repositories = Repositories
services-empty = No services yet. Add <code>{ $config }</code> to the config: each with its team, repositories and escalation policy.

## page_link.html
page-link-what = What
page-link-severity = Severity
page-link-service = Service
page-link-alerts = Alerts
page-link-state = State
page-link-by = by { $name }
page-link-resolve-means = Resolving ends the page and every alert it is about.
page-link-acknowledge-means = Acknowledging stops the escalation for everyone: nobody else is paged.

## chat_link.html
chat-link-title = Link your chat account
chat-link-linked = Linked. Your buttons and <code>{ $command }</code> commands in { $app } now act as { $name }: go back to the conversation and try again.
chat-link-unknown = Someone in <strong>{ $app }</strong> (the chat app <code>{ $app_id }</code>, user <code>{ $user }</code>) asked Firewatch to act, and Firewatch did not know who they are.
chat-link-if-you = If that was you, link it: from then on, what that chat user does in Firewatch is done as <strong>{ $name }</strong>, with your role ({ $role }).
chat-link-submit = Link to me
chat-link-not-you = If it was not you, close this page: nothing is linked until you click.

## login.html
login-sign-in = Sign in
login-first-run = No one can sign in yet. Create the first admin on the server:
login-user-name = User name
login-password = Password

## insights.html

insights-same-figures = The same figures: <code>{ $cli }</code>, <code>{ $api }</code> (JSON or CSV), and Prometheus gauges on <code>{ $endpoint }</code>.
insights-settings = Metrics settings
insights-service = Service
insights-all = all
insights-team = Team
insights-environment = Environment
insights-environment-placeholder = default: the production ones
insights-days = Last days
insights-days-placeholder = default: 30
insights-from = From
insights-from-placeholder = e.g. { $example }
insights-to = To
insights-to-placeholder = default: now
insights-bands = Bands
insights-show = Show
insights-window = From { $from } to { $to }; environments { $environments }; an incident counts against a deployment up to { $window } after it.
insights-environments-none = none
insights-bands-source = Bands: { $source }.
insights-dora = DORA's five keys
insights-quick-check-overall = Quick Check (2025) score { $score } of 10
insights-na = N/A
insights-quick-check-title = The 2025 DORA Quick Check's score, 0 to 10
insights-quick-check-card = Quick Check { $score }
insights-methods = How each is computed
insights-quick-check-score = Quick Check score
insights-chart-title = { $title }, by week
insights-chart-note-missing = { $count ->
    [one] Dashed lines: the bands' bounds; { $count } week had no value. A dot opens that week's deployments.
   *[other] Dashed lines: the bands' bounds; { $count } weeks had no value. A dot opens that week's deployments.
}
insights-chart-note = Dashed lines: the bands' bounds. A dot opens that week's deployments.
insights-chart-empty = No week in the window has a value.
insights-operations = Operations
insights-mtta = Median time to acknowledge
insights-mttr = Median time to resolve
insights-incidents = Incidents
insights-postmortems = Post-mortems published
insights-postmortems-detail = { $published } of { $required }; { $missing } not started
insights-items-closed = Action items closed
insights-items-closed-detail = of { $created } made in the window
insights-items-overdue = Action items overdue
insights-items-outstanding = { $outstanding } outstanding
insights-incident-weeks = Incidents a week, by severity
insights-incident-weeks-empty = No incident started in this window.
insights-pages-title = Pages a week against the budget
insights-pages = Pages
insights-per-week = A week
insights-budget = Budget
insights-over-budget = over
insights-pages-empty = Nothing paged in this window.
insights-noisiest = Noisiest alert rules
insights-noisiest-counts = : { $fires } fires, { $notices } notices
insights-deployments-failed = Failed deployments
insights-deployments-unplanned = Unplanned deployments
insights-deployments = Deployments
insights-show-all = Show all
insights-finished = Finished
insights-version = Version
insights-kind = Kind
insights-status = Status
insights-changes = Changes
insights-failed = Failed
insights-success = success
insights-listed-latest = The latest { $count } are listed; narrow the window for the rest.
insights-deployments-empty-failed = No failed production deployment finished in this window.
insights-deployments-empty-unplanned = No unplanned production deployment finished in this window.
insights-deployments-empty = No production deployment finished in this window.
insights-deployments-sources = Deployments come from GitHub and GitLab, Jenkins, Argo CD, <code>{ $cli }</code> or <code>{ $api }</code>.

## deployment.html

deployment-title = Deployment { $version }
deployment-back = Metrics for { $service }
deployment-heading = { $service } { $version } to { $environment }
deployment-finished = Finished
deployment-started = Started
deployment-status = Status
deployment-success = success
deployment-kind = Kind
deployment-from = From
deployment-open = open
deployment-repository = Repository
deployment-commit = Commit
deployment-changes = Changes shipped
deployment-seed = The first deployment of { $service } to { $environment }: a seed, with nothing before it to count changes from. It counts no lead time.
deployment-changes-unknown = Its commits are not in the stored pushes, so its changes are unknown and it counts no lead time (never zero). Send the forge's push events, or list <code>{ $field }</code> when recording it.
deployment-failed = A failed deployment ships nothing; its changes count with the next successful one.
deployment-change-title = Title
deployment-author = Author
deployment-first-committed = First committed
deployment-lead-time = Lead time
deployment-redeployment = No commit between this deployment and the one before it: a redeployment.

## events.html

events-filter = Filter events
events-source = Source
events-any = any
events-integration = Integration
events-kind = Kind
events-example = e.g. { $example }
events-repository = Repository
events-status = Status
events-clear = Clear
events-received = Received
events-summary = Summary
events-none-match = No events match these filters.
events-none = No events stored yet.
events-pager = Pages
events-newest = Newest
events-older = Older

## event.html

event-title = { $kind } event
event-received = Received
event-source = Source
event-source-via = { $source } via <code>{ $integration }</code>
event-kind = Kind
event-status = Status
event-repository = Repository
event-link = Link
event-id = Id
event-dedup-key = Idempotency key
event-notifications = Notifications
event-destination = Destination
event-state = State
event-attempts = Attempts
event-last-result = Last result
event-updated = Updated
event-notifications-pruned = None kept: sent notifications are removed after { $days } days ([retention] finished_job_days).
event-notifications-empty = No route sent this event anywhere.
event-normalized = Normalized record
event-payload = Payload
event-payload-size-json = { $bytes } bytes, JSON shown indented
event-payload-size = { $bytes } bytes
event-payload-pruned = The headers and body were removed, as [retention] payload_days = { $days } keeps them no longer; what was read from them stays. Removed
event-download = Download exactly as received
event-headers = Request headers
event-headers-redacted = Credentials were redacted before storing.

## deliveries.html

deliveries-redriven-none = Nothing to re-drive: no dead letters matched.
deliveries-redriven = { $count ->
    [one] { $count } notification queued again.
   *[other] { $count } notifications queued again.
}
deliveries-destinations = Destinations
deliveries-destination = Destination
deliveries-state = State
deliveries-last-success = Last success
deliveries-last-failure = Last failure
deliveries-delivered-24h = Delivered 24 h
deliveries-failed-24h = Failed 24 h
deliveries-pending = Pending
deliveries-retrying = Retrying
deliveries-dead = Dead
deliveries-unconfigured = (no longer configured)
deliveries-destinations-empty = No destinations configured. Add <code>{ $section }</code> to the config.
deliveries-dead-letters = Dead letters
deliveries-redrive-all = Re-drive all { $count }
deliveries-dead-letters-note = Notifications that failed until their retry window closed, or that the destination refused. Re-driving queues them again, in order, with a new retry window.
deliveries-event = Event
deliveries-attempts = Attempts
deliveries-last-result = Last result
deliveries-given-up = Given up
deliveries-event-link = event
deliveries-dead-letters-empty = No dead letters.

## tokens.html

tokens-title = API tokens
tokens-created = Token <strong>{ $name }</strong> created. Copy it now: it is shown only once.
tokens-new = New token
tokens-name = Name
tokens-name-placeholder = what will use it, e.g. { $example }
tokens-scopes = Scopes
tokens-acts-as = Acts as user
tokens-acts-as-nobody = nobody (it cannot approve changes)
tokens-user-role = { $name } ({ $role })
tokens-acts-as-note = A token that acts as a user can do no more than that user's role allows, whatever its scopes, and stops working while the user is disabled. It approves changes as that user, never a change that user announced, nor one you announced.
tokens-create = Create token
tokens-list = Tokens
tokens-id = Id
tokens-user = User
tokens-made-by = Made by
tokens-created-at = Created
tokens-state = State
tokens-revoked = revoked { $at }
tokens-active = active
tokens-revoke-confirm = Revoke { $name }? Anything using it stops working.
tokens-revoke = Revoke
tokens-empty = No tokens yet.

## users.html

users-list = Users
users-name = Name
users-role = Role
users-added = Added
users-state = State
users-role-of = Role of { $name }
users-disabled = disabled
users-active = active
users-enable = Enable
users-disable = Disable
users-roles-note = Viewers read everything; responders also act on alerts, incidents and deliveries; admins also manage users and tokens. Disabling a user ends their sessions.
users-add-title = Add a user
users-password = Password
users-password-note = At least { $count } characters. Tell the person their password another way; Firewatch never shows it again.
users-add = Add user

## incident_new.html

incident-new-title = Declare an incident
incident-new-field-title = Title
incident-new-title-placeholder = what is wrong, as customers would see it
incident-new-severity = Severity
incident-new-severity-hint = how bad it is
incident-new-choose = choose…
incident-new-severity-worst = { $severity } (the worst)
incident-new-priority = Priority
incident-new-priority-hint = how urgent: who is paged, how often updates are due
incident-new-priority-default = from the severity (SEV1 is P1, …)
incident-new-services = Services affected
incident-new-services-paged = The on-call of each service with an escalation policy is paged.
incident-new-services-none = No <code>{ $section }</code> in the config: the incident will name none.
incident-new-summary = Summary
incident-new-summary-placeholder = what is known so far
incident-new-impact = Customer impact
incident-new-impact-placeholder = who is affected, and how
incident-new-declare = Declare

## postmortem.html

postmortem-title = Post-mortem #{ $number }
postmortem-heading = Post-mortem: #{ $number } { $title }
postmortem-incident = incident
postmortem-saved = Saved as version { $version }.
postmortem-saved-findings = { $count ->
    [one] The blameless check found { $count } phrase to reword, listed beside the editor.
   *[other] The blameless check found { $count } phrases to reword, listed beside the editor.
}
postmortem-in-review = Ready for review.
postmortem-published = Published.
postmortem-published-learning = The incident is in learning until its action items are done.
postmortem-draft = Back to draft.
postmortem-conflict = { $by } saved version { $version } at { $at }, after version { $base } that your edit started from, so your edit was not saved.
postmortem-conflict-merge = Your text is still in the editor and theirs is below it: merge your change into theirs, then save.
postmortem-state = State
postmortem-last-change = Last change
postmortem-last-change-detail = by { $by }, { $at } ({ $ago }); version { $version }
postmortem-published-at = Published
postmortem-export = Export Markdown
postmortem-markdown = Markdown
postmortem-edit = Edit the post-mortem
postmortem-source = The post-mortem in Markdown
postmortem-check-advises = The blameless check beside it only advises: a save is never refused for it.
postmortem-newer-version = Version { $version }, saved by { $by }
postmortem-newer-text = The newer saved text
postmortem-check = Blameless check
postmortem-finding = Line { $line }: “{ $phrase }”
postmortem-no-findings = No blaming phrases found.
postmortem-preview = Preview

## postmortems.html

postmortems-search-label = Search post-mortems
postmortems-search = Search
postmortems-search-placeholder = words in the text or the title
postmortems-state = State
postmortems-any = any
postmortems-incident = Incident
postmortems-last-change = Last change
postmortems-limited = The { $count } changed last; search to find older ones.
postmortems-none-match = No post-mortems match.
postmortems-none = No post-mortems yet: one is drafted when an incident resolves.

## action_items.html

items-tabs = Which action items
items-no-person = No person in <code>{ $section }</code> has <code>{ $key } = "{ $user }"</code>, so no action items are yours.
items-incident = Incident
items-title = Title
items-owner = Owner
items-due = Due
items-priority = Priority
items-kind = Kind
items-status = Status
items-tracker = Tracker
items-overdue = overdue
items-issue = issue
items-limited = The first { $count } only.
items-none-overdue = Nothing overdue.
items-none-mine = No action items are yours.
items-none-outstanding = Nothing outstanding.
items-none = No action items yet: add them on an incident's page.

## changes.html

changes-intro = Say what you are about to change before you change it. A change that needs approval waits for a second person: never the one who announced it.
changes-state-pending = waiting for approval
changes-state-approved = approved
changes-state-rejected = rejected
changes-state-expired = expired
changes-state-announced = announced
changes-risk-low = low
changes-risk-medium = medium
changes-risk-high = high
changes-state = State
changes-change = Change
changes-service = Service
changes-risk = Risk
changes-by = By
changes-when = When
changes-pending = Waiting for approval
changes-pending-empty = Nothing is waiting for approval.
changes-announce-title = Announce a change
changes-summary = What and why
changes-summary-placeholder = e.g. Remove the Datadog log filter for api: it drops 40% of our logs
changes-environment = Environment
changes-rollback = Rollback plan
changes-rollback-placeholder = how to undo it
changes-needs-approval = Needs a second person's approval
changes-announce = Announce
changes-recent = Recent
changes-recent-empty = No changes announced yet.

## change.html

change-title = Change: { $summary }
change-announced = Announced: the team has been told.
change-announced-waits = It waits for someone else to approve it.
change-approved = Approved: whoever announced it can go ahead.
change-rejected = Rejected: it will not go ahead as announced.
change-state = State
change-state-pending-approval = pending approval
change-state-approved = approved
change-state-rejected = rejected
change-state-expired = expired
change-state-announced = announced
change-service = Service
change-service-in = <code>{ $service }</code> in { $environment }
change-risk = Risk
change-risk-low = low
change-risk-medium = medium
change-risk-high = high
change-rollback = Rollback
change-announced-at = Announced
change-at-by = { $at } by { $by }
change-expires = Expires
change-expires-at = { $at } if nobody decides
change-decided = Decided
change-own = You announced this change: someone else has to approve or reject it.
change-reason-placeholder = why not (optional)

## status_components.html

status-components-title = Status page components
status-components-operational = Operational
status-components-under-maintenance = Under maintenance
status-components-degraded-performance = Degraded performance
status-components-partial-outage = Partial outage
status-components-major-outage = Major outage
status-components-open-public = Open the public status page
status-components-intro = What customers see now: <strong>{ $description }</strong>. A component's status follows the open public incidents and maintenance windows on its services; one set here wins until it is cleared, and the page says it was set by hand.
status-components-subscribers = Subscribers: { $confirmed } confirmed, { $pending } waiting to confirm, { $unsubscribed } unsubscribed. They get the public updates of incidents on the components they chose.
status-components-no-subscribers = The page takes no subscribers: set <code>{ $section }</code> to take them by email or webhook.
status-components-saved = Saved: the status page shows it now.
status-components-component = Component
status-components-now = Now
status-components-set-by-hand = Set by hand
status-components-manual = set by hand
status-components-follow = Follow incidents and maintenance
status-components-note-placeholder = what customers should know (optional)
status-components-empty = No components: add <code>{ $section }</code> to the config.

## error.html

error-back = Back to the overview

## Chat messages: what every platform adds

chat-more = …and { $count } more
chat-generic-title = { $kind } event from { $integration }
chat-generic-event = Event{" "}
chat-generic-from = {" "}received from{" "}
chat-generic-at = {" "}at { $at }
chat-generic-id = event { $id }
action-post-update = Post update

## Alerts in chat

alert-word-firing = FIRING
alert-word-acknowledged = ACKNOWLEDGED
alert-word-resolved = RESOLVED
alert-word-silenced = SILENCED
alert-word-flapping = FLAPPING
alert-flapping = Fired { $count } times and resolved in between, within the flapping window: its next fires and resolves are held back until it stays steady
alert-steady = Steady again after flapping
alert-acknowledged-by = Acknowledged by{" "}
alert-acknowledged-by-after = {""}
alert-resolved-after = Resolved after { $age }
alert-fired-times = Fired { $count } times so far
alert-runbook = Runbook
alert-service = {" "}· service { $service }
alert-group-still = Still firing
alert-group-new = { $new } new
alert-group-new-and-still = { $new } new, { $old } still firing
alert-group-bullet-new = • new{" "}
alert-group-flapping = {" "}(flapping)

## Pages (chat, SMS, push, voice)

page-open = Open
page-sms-acknowledge = Acknowledge:{" "}
page-test-title = Test page from Firewatch
page-title = { $severity } page
page-title-service = { $severity } page: { $service }
page-voice-test = This is a test page from Firewatch.
page-voice-opening = { $severity } page from Firewatch.
page-voice-more = And { $count } more.
page-voice-press = Press { $digit } to acknowledge.
page-voice-no-answer = No answer received. Goodbye.
page-chat-test-title = Test page
page-chat-title = Page: { $summary }
page-chat-test = {" "}this is a test page from Firewatch. Nothing is wrong.
page-chat-paged = {" "}you are paged.
page-chat-on = {" "}on { $service }

## Forge events in chat

forge-someone = someone
forge-by = by{" "}
forge-by-after = {" "}· by{" "}
forge-draft = {" "}· draft
forge-reviewer = Reviewer:{" "}
forge-author = author { $author }
forge-labels = labels: { $labels }
forge-branch = branch { $branch }
forge-compare = compare changes
forge-commit = commit{" "}
forge-run = {" "}· run #{ $run }
forge-tag = tag{" "}
forge-at = {" "}at{" "}
forge-issue = issue
forge-with-repo = { $repo }: { $text }
forge-pr-opened = opened
forge-pr-closed = closed
forge-pr-merged = merged
forge-pr-reopened = reopened
forge-pr-synchronize = updated
forge-pr-ready-for-review = ready for review
forge-pr-review-requested = review requested
forge-pr-converted-to-draft = converted_to_draft
forge-pr-edited = edited
forge-pr-title = { $noun } { $number } { $verb }: { $title }
forge-pr-summary = { $repo }: { $noun } { $number } { $verb } by { $actor }: { $title }
forge-review-approved-title = { $actor } approved { $noun } { $number }: { $title }
forge-review-approved-summary = { $repo }: { $actor } approved { $noun } { $number }
forge-review-changes-title = { $actor } requested changes on { $noun } { $number }: { $title }
forge-review-changes-summary = { $repo }: { $actor } requested changes on { $noun } { $number }
forge-review-reviewed-title = { $actor } reviewed { $noun } { $number }: { $title }
forge-review-reviewed-summary = { $repo }: { $actor } reviewed { $noun } { $number }
forge-pushed = { $actor } pushed { $count } { $count ->
    [one] commit
   *[other] commits
} to { $branch }
forge-force-pushed = { $actor } force-pushed { $count } { $count ->
    [one] commit
   *[other] commits
} to { $branch }
forge-ref-tag = tag
forge-ref-branch = branch
forge-ref-created = created
forge-ref-deleted = deleted
forge-ref-title = { $kind } { $title } { $action }
forge-ref-summary = { $repo }: { $kind } { $title } { $action } by { $actor }
forge-build-passed = passed
forge-build-failed = failed
forge-build-cancelled = cancelled
forge-build-skipped = skipped
forge-build-pending = pending
forge-build = { $name } { $state }
forge-build-on = { $name } { $state } on { $branch }
forge-release = release { $title } published
forge-prerelease = pre-release { $title } published
forge-deploy-deployment = Deployment
forge-deploy-rollback = Rollback
forge-deploy-revert = Revert
forge-deploy-hotfix = Hotfix
forge-deploy-succeeded = succeeded
forge-deploy-failed = failed
forge-deploy = { $what } to { $environment } { $state }
forge-comment-title = { $author } commented on { $on } { $number }: { $title }
forge-comment-summary = { $repo }: { $author } commented on { $on } { $number }

## The open pull request digest

digest-none = No open pull requests
digest-title = { $total } open pull { $total ->
    [one] request
   *[other] requests
} in { $repositories } { $repositories ->
    [one] repository
   *[other] repositories
}
digest-waiting-author = waiting on author
digest-approved = approved
digest-waiting-on = waiting on { $who }
digest-needs-reviewer = needs a reviewer
digest-legend = ✅ passed · ❌ failed · ⏳ running or not reported · as of { $at } ({ $zone })

## Incidents in chat

incident-about = { $severity } { $priority }
incident-about-on = { $severity } { $priority } on { $services }
incident-chat-declared-title = Incident declared: { $title }
incident-chat-declared = {" "}incident declared, now in { $state }. Follow it on its page.
incident-chat-acknowledged-title = Acknowledged: { $title }
incident-chat-now-in = {" "}incident, now in { $state }.
incident-chat-resolved = Resolved
incident-chat-thanks = {" "}({ $about }). Thank you, everyone.
incident-chat-resolved-by = Resolved by{" "}
incident-chat-resolved-by-after = {""}
incident-chat-resolved-title = Resolved: { $title }
incident-chat-commander = Commander
incident-chat-due-title = Update due: { $title }
incident-chat-due = : no status update was posted within { $within } for this { $about } incident. Post one, even if nothing changed.
incident-chat-open = Open the incident
incident-status-investigating = Investigating
incident-status-identified = Identified
incident-status-monitoring = Monitoring
incident-status-resolved = Resolved
page-notice-step = : step { $step } of the escalation (round { $round }) reached this channel. Acknowledge to stop it.
page-notice-open-alert = Open the alert
page-notice-title = Paging: { $summary }

## overview.html
overview-deploy-failure = failure
overview-deploy-hotfix = hotfix
overview-deploy-rollback = rollback
overview-deploy-revert = revert
overview-firing = Firing
overview-fired = fired { $ago }
overview-all-firing = All { $count } firing →
overview-nothing-firing = Nothing is firing.
overview-open-incidents = Open incidents
overview-led-by = led by { $name }
overview-no-commander = no commander yet
overview-declared = declared { $ago }
overview-no-open-incidents = No open incidents.
overview-declare = Declare an incident
overview-on-call-now = On call now
overview-until = until { $at }
overview-nobody-on-call = nobody on call
overview-next = next: { $name }, { $ago }
overview-schedules-link = Schedules and overrides →
overview-no-schedules = No schedules. Add <code>{ $config }</code> and an escalation policy to page people.
overview-recent-deployments = Recent deployments
overview-to-environment = to { $environment }
overview-metrics-link = Metrics →
overview-no-deployments = No deployments yet. Send them from CI to <code>{ $api }</code>, or from GitHub and GitLab deployment events.
overview-pages-this-week = Pages this week
overview-of-budget = of { $budget }
overview-over-budget = over budget
overview-noise-link = Alert noise →
overview-no-pages = No pages in the last 7 days.
overview-intake-delivery = Intake and delivery
overview-counts = Counts
overview-events-today = events today
overview-events-24h = events in 24 h
overview-delivered-24h = delivered in 24 h
overview-failed-24h = failed attempts in 24 h
overview-waiting = waiting to send
overview-dead-letters = dead letters
overview-events-per-hour = Events per hour
overview-events-chart-label = Events stored per hour over the last 24 hours, by source
overview-delivery-latency = Delivery latency
overview-latency-chart-label = Delivery latency per hour over the last 24 hours, 50th and 95th percentile
overview-latency-note = From queued to delivered; p50 and p95 per hour, estimated from latency buckets.
overview-recent-events = Recent events
overview-received = Received
overview-source = Source
overview-kind = Kind
overview-summary = Summary
overview-status = Status
overview-all-events = All events →
overview-no-events = No events yet. Point a webhook at <code>{ $path }</code> for an integration in the config.
overview-destinations = Destinations
overview-destination = Destination
overview-state = State
overview-last-success = Last success
overview-waiting-col = Waiting
overview-dead-col = Dead
overview-destinations-failing = { $count ->
    [one] { $count } destination is failing. <a href="/deliveries">See deliveries</a>.
   *[other] { $count } destinations are failing. <a href="/deliveries">See deliveries</a>.
}
overview-no-destinations = No destinations configured.

## incidents.html
incidents-state-open = open
incidents-state-all = all
incidents-state-merged = merged
incidents-declare = Declare an incident
incidents-filter-label = Filter incidents
incidents-search = Search
incidents-search-placeholder = words of the title or summary, or #12
incidents-state = State
incidents-severity = Severity
incidents-any = any
incidents-service = Service
incidents-title = Title
incidents-services = Services
incidents-commander = Commander
incidents-declared = Declared
incidents-duration = Duration
incidents-acknowledged = Acknowledged
incidents-so-far = so far
incidents-not-acknowledged = no
incidents-empty-open = No open incidents.
incidents-empty-filtered = No incidents match these filters.

## incident.html
incident-state-merged = merged
incident-update-investigating = investigating
incident-update-identified = identified
incident-update-monitoring = monitoring
incident-update-resolved = resolved
incident-role-commander = Commander
incident-role-communications = Communications
incident-role-scribe = Scribe
incident-assign-commander = Assign commander
incident-assign-communications = Assign communications
incident-assign-scribe = Assign scribe
incident-time-impact-started = Impact started
incident-time-detected = Detected
incident-time-acknowledged = Acknowledged
incident-time-mitigated = Mitigated
incident-time-resolved = Resolved
incident-kind-state = state
incident-kind-edit = edit
incident-kind-note = note
incident-kind-change = change
incident-kind-role = role
incident-kind-update = update
incident-kind-acknowledged = acknowledged
incident-kind-alert = alert
incident-kind-escalated = escalated
incident-kind-page = page
incident-kind-reminder = reminder
incident-kind-ruled-out = ruled out
incident-kind-postmortem = postmortem
incident-kind-action-item = action item
incident-item-kind-mitigate = mitigate
incident-item-kind-prevent = prevent
incident-declared-flash = Incident declared: its channels are told, and the on-call of its services is paged.
incident-acknowledged-flash = Acknowledged: its escalations have stopped.
incident-resolved-flash = Resolved.
incident-moved-flash = The incident is { $state } now.
incident-role-flash = Role assigned.
incident-times-flash = Key times saved.
incident-update-flash = Update posted to the incident's channels.
incident-update-public-flash = Update posted to the incident's channels and the status page.
incident-note-flash = Note added to the timeline.
incident-attached-flash = Alert attached.
incident-attached-acknowledged = It is acknowledged with the incident.
incident-cause-flash = Marked as the suspected cause.
incident-item-added-flash = Action item added.
incident-item-completed-flash = Action item marked completed.
incident-item-not-doing-flash = Action item marked not doing.
incident-item-last-flash = It was the last one: the incident is closed.
incident-item-outstanding-flash = Action item outstanding again.
incident-post-update = Post update
incident-declared = Declared
incident-declared-by = { $at } ({ $ago }) by { $name }
incident-commander = Commander
incident-nobody-yet = nobody yet
incident-services = Services
incident-none = none
incident-chat = Chat
incident-summary = Summary
incident-customer-impact = Customer impact
incident-suspected-cause = Suspected cause
incident-postmortem = Post-mortem
incident-postmortem-open-draft = open the draft
incident-postmortem-when-resolved = drafted when the incident resolves
incident-move-to = Move to
incident-move-confirm = Move the incident to { $state }? It cannot change state after that.
incident-no-alerts = No alert has joined it.
incident-firing-on-services = Firing on its services
incident-attach = Attach
incident-attach-note = An attached alert is acknowledged with the incident, which stops its pages.
incident-timeline = Timeline
incident-oldest-first = oldest first
incident-starred = starred
incident-timeline-empty = Nothing yet.
incident-status-update = Status update
incident-update-status = Status
incident-update-message = Message
incident-update-placeholder = e.g. We found the cause and are rolling back; next update in 30 minutes
incident-update-public = Public
incident-update-help = Every update goes to the incident's channels. A public one also appears on the status page, where customers read it: write it for them.
incident-update-lifecycle = "Monitoring" marks the incident mitigated and "resolved" resolves it, when the lifecycle allows.
incident-note = Note
incident-note-text = Text
incident-note-placeholder = e.g. Restarted gateway-2; errors unchanged
incident-star-it = Star it
incident-star-hint = (a key moment, for the post-mortem)
incident-add-note = Add note
incident-status-updates = Status updates
incident-badge-public = public
incident-badge-internal = internal
incident-roles = Roles
incident-since = since { $at }
incident-nobody = nobody
incident-assign-role = Assign { $role }
incident-assign = Assign
incident-roles-no-people = Add <code>{ $config }</code> to the config to hand out roles.
incident-role-history = Who held them
incident-now = now
incident-by = by { $name }
incident-key-times = Key times
incident-key-times-note = They go in this order. Empty a field to clear it.
incident-save-key-times = Save key times
incident-item-title = Title
incident-item-owner = Owner
incident-item-due = Due
incident-item-priority = Priority
incident-item-kind = Kind
incident-item-status = Status
incident-item-tracker = Tracker
incident-item-mark = Mark
incident-item-overdue = overdue
incident-item-issue = issue
incident-item-not-made = not made
incident-mark-completed = Completed
incident-mark-not-doing = Not doing
incident-mark-outstanding = Outstanding
incident-items-none = None yet.
incident-items-none-hint = Add what would lessen the impact next time (mitigate) or stop it happening again (prevent).
incident-add-item-heading = Add one
incident-new-item = New action item
incident-item-title-placeholder = what to change in the system
incident-add-item = Add action item
incident-items-no-people = Add <code>{ $config }</code> to the config to give action items owners.
incident-what-changed = What changed
incident-what-changed-note = Merges, deployments and pushes in the services' repositories before the impact started, closest first.
incident-badge-suspected = suspected cause
incident-badge-likely = likely cause
incident-badge-ruled-out = ruled out
incident-confirm-cause = Confirm as cause
incident-mark-cause = Mark as suspected cause
incident-not-cause = Not the cause
incident-what-changed-empty = No changes found in the services' repositories before the impact started.
incident-earlier = Earlier incidents
incident-earlier-postmortem = post-mortem
incident-earlier-item = Open action item: { $title }
incident-earlier-item-owner-due = ({ $owner }, due { $due })

## status.html
status-overall-none = All Systems Operational
status-overall-maintenance = Service Under Maintenance
status-overall-minor = Minor Service Outage
status-overall-major = Partial System Outage
status-overall-critical = Major System Outage
status-operational = Operational
status-under-maintenance = Under maintenance
status-degraded-performance = Degraded performance
status-partial-outage = Partial outage
status-major-outage = Major outage
status-update-investigating = investigating
status-update-identified = identified
status-update-monitoring = monitoring
status-update-resolved = resolved
status-maintenance-in-progress = Maintenance in progress: { $name }
status-maintenance-scheduled = Scheduled maintenance: { $name }
status-set-by-hand = set by hand
status-history-label = 90 days of { $name }
status-day-no-incidents = No incidents.
status-days-ago = 90 days ago
status-today = Today
status-no-components = No components are configured.
status-get-updates = Get updates
status-email = Email
status-or-webhook = or a webhook URL
status-webhook = Webhook URL
status-only-some = Only some components
status-subscribe = Subscribe
status-subscribe-note = A confirmation link is sent first; every message has a link to unsubscribe. Or follow the <a href="{ $url }/feed.atom">Atom</a> or <a href="{ $url }/feed.rss">RSS</a> feed.
status-past-incidents = Past incidents
status-updated = Updated { $at }

## status_incident.html
status-incident-ongoing = Ongoing
status-incident-resolved = Resolved { $at }
status-incident-started = started { $at }

## Change announcements in chat

change-chat-risk = { $risk } risk
change-chat-where = {" "}in { $environment } · announced by { $by }
change-chat-announced-title = Change: { $summary }
change-chat-rollback = Rollback:{" "}
change-chat-approved-title = Approved: { $summary }
change-chat-approved = Approved by { $by }. The work can start.
change-chat-rejected-title = Rejected: { $summary }
change-chat-rejected = Rejected by { $by }.
change-chat-rejected-because = Rejected by { $by }: { $reason }
change-chat-expired-title = Expired: { $summary }
change-chat-expired = Nobody approved it in time: it must not go ahead as announced.
change-chat-needs-approval = It needs a second person: approve or reject it
change-chat-open = Open the change

## The weekly report

weekly-title = Weekly report: { $from } – { $to }
weekly-title-team = Weekly report for { $team }: { $from } – { $to }
weekly-delivery = Delivery
weekly-deployed = { $merged } { $merged ->
    [one] pull request
   *[other] pull requests
} merged · { $deployments } { $deployments ->
    [one] deployment
   *[other] deployments
} to production
weekly-deployed-bad = {" "}({ $failed } failed, { $unplanned } hotfix, rollback or revert)
weekly-dora = DORA, this week
weekly-per-week = { $value }/week
weekly-last-na = last week N/A
weekly-same = same as last week
weekly-up = ↑ from { $value }
weekly-down = ↓ from { $value }
weekly-deployment-frequency = Deployment frequency
weekly-lead-time = Change lead time
weekly-failure-rate = Change failure rate
weekly-recovery-time = Recovery time
weekly-rework-rate = Rework rate
weekly-no-incidents = None started this week.
weekly-pages = Pages this week
weekly-pages-row = { $team }: { $this } (last week { $last })
weekly-budget = {" "}· budget { $budget }
weekly-over-budget = over budget
weekly-overdue = Overdue action items
weekly-none = None.
weekly-item = {" "}· { $owner } · due { $due } · incident #{ $incident }
weekly-noisiest = Noisiest alert rules
weekly-noisy-rule = • { $rule }: { $fires } { $fires ->
    [one] fire
   *[other] fires
}, { $notices } { $notices ->
    [one] notice
   *[other] notices
}
weekly-context = { $from } to { $to } ({ $zone }); DORA over production deployments, compared with the week before

## Action items in chat

item-chat-overdue-title = Action item overdue: { $title }
item-chat-overdue = : "{ $title }" was due { $due }. It is from incident #{ $number } ({ $incident }). Mark it done, or not doing, on the incident's page.

## Status page subscribers

subscriber-because = You get this because this address subscribed to{" "}
subscriber-unsubscribe = Unsubscribe
subscriber-every-component = every component
subscriber-confirm-title = Confirm your subscription to { $page }
subscriber-confirm-asked = Someone, hopefully you, asked for { $page }'s incident updates on { $which } to be sent to this address.
subscriber-confirm-link = Confirm the subscription
subscriber-confirm-ignore = If it was not you, ignore this message: nothing more will be sent.
subscriber-not-yours = Not yours?{" "}
subscriber-never = Never send to this address
subscriber-affects = Affects { $components }.
subscriber-posted = Posted { $at }.{" "}
subscriber-follow = Follow it on the status page

## The post-mortem draft

postmortem-after-start = , { $span } after impact started
postmortem-rule-on = { $rule } on { $service }
postmortem-more-alerts = ; { $count } more alerts joined
postmortem-detected = Detected by the alert { $rule } at { $at } UTC{ $after }{ $joined }.
postmortem-declared = Declared by { $by } at { $at } UTC{ $after }.

## The command line

cli-col-id = ID
cli-col-state = STATE
cli-col-severity = SEVERITY
cli-col-service = SERVICE
cli-col-fired = FIRED
cli-col-rule = RULE
cli-col-summary = SUMMARY
cli-col-reason = REASON
cli-col-team = TEAM
cli-col-opened = OPENED
cli-col-closed-by = CLOSED BY
cli-col-detail = DETAIL
cli-col-over = OVER
cli-col-fires = FIRES
cli-col-notified = NOTIFIED
cli-col-acked = ACKED
cli-col-auto = AUTO
cli-col-flapping = FLAPPING
cli-col-median-ack = MEDIAN ACK
cli-col-median-resolve = MEDIAN RESOLVE
cli-col-pages = PAGES
cli-col-budget = BUDGET
cli-col-status = STATUS
cli-col-kind = KIND
cli-col-starts = STARTS
cli-col-ends = ENDS
cli-col-by = BY
cli-col-destination = DESTINATION
cli-col-event = EVENT
cli-col-attempts = ATTEMPTS
cli-col-last-error = LAST ERROR
cli-col-sev = SEV
cli-col-pri = PRI
cli-col-services = SERVICES
cli-col-commander = COMMANDER
cli-col-declared = DECLARED
cli-col-title = TITLE
cli-col-metric = METRIC
cli-col-value = VALUE
cli-col-from = FROM
cli-col-na-because = N/A BECAUSE
cli-col-band = BAND
cli-col-score = SCORE
cli-col-schedule = SCHEDULE
cli-col-person = PERSON
cli-col-name = NAME
cli-col-since = SINCE
cli-col-until = UNTIL
cli-col-replaces = REPLACES
cli-col-start = START
cli-col-end = END
cli-no-config-file = no config file (defaults)
cli-config-ok = { $source }: OK ({ $parts })
cli-count-integrations = { $count ->
    [one] { $count } integration
   *[other] { $count } integrations
}
cli-count-destinations = { $count ->
    [one] { $count } destination
   *[other] { $count } destinations
}
cli-count-routes = { $count ->
    [one] { $count } route
   *[other] { $count } routes
}
cli-count-digests = { $count ->
    [one] { $count } digest
   *[other] { $count } digests
}
cli-count-teams = { $count ->
    [one] { $count } team
   *[other] { $count } teams
}
cli-count-services = { $count ->
    [one] { $count } service
   *[other] { $count } services
}
cli-count-checks = { $count ->
    [one] { $count } check
   *[other] { $count } checks
}
cli-count-people = { $count ->
    [one] { $count } person
   *[other] { $count } people
}
cli-count-schedules = { $count ->
    [one] { $count } schedule
   *[other] { $count } schedules
}
cli-count-policies = { $count ->
    [one] { $count } escalation policy
   *[other] { $count } escalation policies
}
cli-nobody-on-call = nobody is on call at { $at }
cli-override-mark = {" "}(override)
cli-override-added = override { $id }: { $person } on call on { $schedule } from { $start } to { $end }
cli-no-overrides = no overrides on { $schedule }
cli-override-removed = removed override { $id }
cli-test-page = test page queued for { $person } through { $count } contact method(s); see them with GET /api/v1/pages?person={ $person }
cli-no-incidents = no { $state } incidents
cli-what-changed = what changed:
cli-suspected = [suspected]{" "}
cli-timeline = timeline:
chat-details = Details

## A page's link and call

page-link-unknown = This link is not one Firewatch made, or it was cut short. Open Firewatch to see the alert.
page-link-used-acknowledge = This link was already used to acknowledge the page, { $ago } ago.
page-link-used-resolve = This link was already used to resolve the page, { $ago } ago.
page-link-expired = This link has expired. Open Firewatch to see the alert and acknowledge it there.
page-link-incident-over = This page is over: its incident is no longer open.
page-link-alerts-resolved = This page is over: every alert it was about has resolved.
page-link-just-used = This link was just used.
page-link-not-found = Link not found
page-link-gone = Link no longer works
page-link-ask-resolve = Resolve this page?
page-link-ask-acknowledge = Acknowledge this page?
page-link-already = Already acknowledged
page-link-say-what = Say what to do: action=acknowledge or action=resolve.
page-link-done-resolve = Resolved: the page is over and its alerts are resolved.
page-link-done-acknowledge = Acknowledged: the escalation has stopped and nobody else will be paged.
call-acknowledged = Acknowledged.
call-not-acknowledged = Not acknowledged.
call-goodbye = Goodbye.
call-stopped = The escalation has stopped.
call-not-recorded = Firewatch could not record that. Acknowledge from the link in the text message.
call-nothing = Nothing was acknowledged.
page-link-resolved = Resolved
page-link-acknowledged = Acknowledged

## Error pages

error-forbidden = Not allowed
error-forbidden-why = This needs the { $role } role. An admin can change your role on the Users page.
error-csrf = Form expired
error-csrf-why = This form did not come from your current session. Go back, reload the page and try again.
error-not-found = Not found
error-not-found-why = No such { $what }.
error-bad-request = Bad request
error-unavailable = Unavailable
error-unavailable-why = The store did not answer. Nothing was changed; try again in a moment.
error-internal = Something went wrong
error-internal-why = The page could not be shown; the server log says why.

## Tabs and moves named by a value

items-tab-all = All
items-tab-outstanding = Outstanding
items-tab-mine = Mine
items-tab-overdue = Overdue
postmortem-move-in_review = Ready for review
postmortem-move-published = Publish
postmortem-move-draft = Back to draft
insights-card-deployment_frequency = Deployment frequency
insights-card-lead_time = Change lead time
insights-card-change_failure_rate = Change failure rate
insights-card-recovery_time = Failed deployment recovery time
insights-card-rework_rate = Deployment rework rate
insights-chart-trend-frequency = Deployments a week
insights-chart-trend-lead-time = Median change lead time
insights-chart-trend-failure-rate = Change failure rate

## The status page's subscription pages

status-sub-inbox = Check your inbox
status-sub-requested = If the address can receive messages, a confirmation link is on its way there. Nothing else is sent until it is followed.
status-sub-not-subscribed = Not subscribed
status-sub-confirm = Confirm your subscription
status-sub-confirm-press = Press the button to start getting this status page's incident updates.
status-sub-subscribed = You are subscribed
status-sub-subscribed-why = Incident updates will be sent to you. Every message carries a link to unsubscribe.
status-sub-stale = This link is no longer valid
status-sub-stale-why = Subscribe again from the status page to get a new one.
status-sub-unsubscribe-press = Press the button and nothing more will be sent to you.
status-sub-unsubscribed = You are unsubscribed
status-sub-unsubscribed-why = Nothing more will be sent to you.
status-sub-invalid = This link is not valid
status-sub-invalid-why = No subscription has it.

## The on-call timeline

oncall-bar-nobody = Nobody
oncall-bar-layer = Layer { $number }
oncall-bar-overrides = Overrides
oncall-bar-for = {" "}for { $name }
oncall-bar-beside = {" "}beside whoever is on call
overview-everyone = Everyone

## Answers to a click or a command in chat

chat-answer-no-button = Firewatch has no button "{ $button }".
chat-answer-no-alert = That button names no alert.
chat-answer-nothing-to-escalate = Nothing to escalate: nobody is being paged for this alert now.
chat-answer-escalated = Escalated: the next step of its policy pages now.
chat-answer-alert-unchanged-acknowledge = Nothing changed: the alert cannot be acknowledged in its state now.
chat-answer-alert-unchanged-resolve = Nothing changed: the alert cannot be resolved in its state now.
chat-answer-alert-gone = That alert no longer exists.
chat-answer-page-nothing-to-escalate = Nothing to escalate: the page was acknowledged, resolved, or has paged everyone its policy names.
chat-answer-page-gone = That page no longer exists.
chat-answer-no-page-button = Firewatch has no button "{ $button }" for a page.
chat-answer-page-acknowledged = Acknowledged: the escalation stops, and nobody more is paged.
chat-answer-page-resolved = Resolved: its alerts are resolved.
chat-answer-page-unchanged = Nothing changed: the page was already acknowledged or resolved.
chat-answer-incident-closed = Incident #{ $number } is { $state }; an update would change nothing.
chat-answer-incident-gone = That incident no longer exists.
chat-answer-no-incident-button = Firewatch has no button "{ $button }" for an incident.
chat-answer-no-change-button = Firewatch has no button "{ $button }" for a change.
chat-answer-unchanged-why = Nothing changed: { $why }.
chat-answer-change-gone = That change no longer exists.
chat-answer-unknown-link = Firewatch does not know who you are here, so it did nothing. To link this account to yourself, sign in to Firewatch here (the link works for a day): { $url }
    Or ask an admin to add { $entry } to your [[people]] entry.
chat-answer-unknown = Firewatch does not know who you are here, so it did nothing. Ask an admin to add { $entry } to your [[people]] entry.
chat-answer-role = That needs the { $needed } role; yours is { $role }.
chat-answer-use-page = Post the update on the incident's page in Firewatch.
chat-form-title = Post an update
chat-form-submit = Post
chat-form-status = Status
chat-form-message = What is happening
chat-form-public = Also show it on the public status page

## What is deployed where

nav-environments = Environments
overview-environments-link = What is deployed where →
environments-production = production
environments-deployed = deployed { $ago }
environments-by = by { $name }
environments-link = link
environments-none = No successful deployment yet.
environments-waiting = { $count ->
    [0] Waiting to ship
   *[other] Waiting to ship ({ $count })
}
environments-nothing-waiting = Nothing merged is waiting: production has everything.
environments-merged = merged { $ago }
environments-empty = No services or deployments yet. Name your services in <code>{ $config }</code> with their <code>repos</code>, and send deployments from CI to <code>POST /api/v1/deployments</code>.

## Answers on a pull request to a command in its comments (`/test`, `test this please`).
forge-command-refused = Thanks, @{ $author }. Only members and collaborators of { $repository } can start builds from a comment, so nothing was started; a maintainer can comment `/test` for you.
forge-command-unknown = @{ $author }, there is no CI target named { $named } here, so nothing was started. This repository's are: { $known }.
forge-command-started = Started for @{ $author } on { $sha }:
forge-command-none-started = Nothing could be started for @{ $author } on { $sha }:
forge-command-target-started = **{ $target }**: queued
forge-command-target-started-link = **{ $target }**: queued ({ $link })
forge-command-target-failed = **{ $target }**: could not be started: { $why }
forge-command-outcome-success = ✅ **{ $target }** ({ $build }) passed on { $sha }.
forge-command-outcome-failure = ❌ **{ $target }** ({ $build }) failed on { $sha }.
forge-command-outcome-cancelled = ⚪ **{ $target }** ({ $build }) was cancelled on { $sha }.

## The no-self-merge rule: findings in chat, the Compliance page.
nav-compliance = Compliance
compliance-heading = Independent review
compliance-rule = A merged pull or merge request needs an approval from someone other than its author, given on its final commit; commits pushed after an approval void it.
compliance-settings = Report settings
compliance-repository = Repository
compliance-all-repositories = all repositories
compliance-last-days = Last days
compliance-show = Show
compliance-download-csv = Download findings (CSV)
compliance-window = Merged from { $from } to { $to }.
compliance-summary-title = Per repository
compliance-share-label = independently reviewed
compliance-merges-label = merges
compliance-findings-label = findings
compliance-summary = { $reviewed } of { $merges } merges independently reviewed
compliance-no-merges = Nothing was merged in this period, or no forge sends its pull requests to Firewatch yet.
compliance-findings = { $count ->
    [one] 1 finding
   *[other] { $count } findings
}
compliance-no-findings = Every merge in this period was approved by someone other than its author on its final commit.
compliance-who = author { $author } · merged by { $merged_by }
compliance-merged = merged { $ago }
compliance-code-no_approval = no approval
compliance-code-self_approved = self-approved
compliance-code-approval_outdated = approval outdated
compliance-code-author_unknown = author unknown
compliance-reason-no_approval = Merged without any approval.
compliance-reason-self_approved = Approved only by its author.
compliance-reason-approval_outdated = Approved on { $approved }, then commits were pushed; merged at { $merged } with no approval of that commit.
compliance-reason-author_unknown = Approved, but Firewatch never saw who opened it, so the approval cannot be shown to be someone else's.
compliance-chat-title = Merged without independent review: { $repository }#{ $number }
compliance-chat-who = Author { $author }, merged by { $merged_by }.
compliance-chat-open = Open the pull request

## The pipelines board.
nav-pipelines = Pipelines
pipelines-settings = Board settings
pipelines-repository = Repository
pipelines-all-repositories = all repositories
pipelines-branch = Branch
pipelines-default-branch = the default branch
pipelines-show = Show
pipelines-stages = Stages of { $name }
pipelines-no-runs = No pipeline has run on { $branch } yet.
pipelines-empty = No CI events yet. Send GitHub's workflow runs and jobs, GitLab's pipeline events or Jenkins' Notification plugin to Firewatch, and each commit of the default branch shows here with its pipelines and their stages.
pipelines-status-queued = queued
pipelines-status-running = running
pipelines-status-success = passed
pipelines-status-failure = failed
pipelines-status-cancelled = cancelled
pipelines-status-skipped = skipped
pipelines-status-manual = manual

## Comments on Jira issues.
jira-merged = { $repository }#{ $number } "{ $title }" was merged by { $by }.
jira-deployed = { $repository }#{ $number } "{ $title }" reached { $environment } in { $service } { $version }.
jira-open-pull-request = Open the pull request
jira-open-deployment = Open the deployment

account-title = Your account
account-password-title = Change your password
account-password-current = Current password
account-password-new = New password
account-password-again = New password again
account-password-note = At least { $count } characters, and not one that is common or easy to guess. Your other sessions are signed out; this one stays.
account-password-submit = Change password
account-password-changed = Your password is changed. { $count ->
    [0] You had no other sessions.
    [one] One other session was signed out.
   *[other] { $count } other sessions were signed out.
}
account-password-differ = The two new passwords differ.
account-password-wrong = The current password is wrong.
account-password-unavailable = The store did not answer; your password is unchanged.
audit-intro = Every change a person made: who, when, from where, what it was and what it became. Each entry holds the hash of the one before, so a changed or removed entry shows when the chain is checked.
audit-actor = Who
audit-action = Action
audit-target = Target
audit-filter = Filter
audit-verify = Check the chain
audit-chain-holds = The chain holds: { $count } entries, each hash and link checked.
audit-chain-broken = The chain is broken at entry { $seq }:
audit-before = before
audit-after = after
audit-hash = hash
audit-older = Older entries
audit-none = No entries match.
login-sso = Sign in with { $name }
login-or-local = or with a Firewatch user name and password:
login-sso-down = The identity provider does not answer right now. Sign in with a local Firewatch user below.
login-signed-out = You are signed out, here and at the identity provider.
login-sso-signing-out = Signing you out at the identity provider too…
login-sso-continue = Continue
account-password-sso = You sign in through the identity provider, so you have no password here: change it at the provider.
