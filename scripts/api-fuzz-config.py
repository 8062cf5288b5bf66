#!/usr/bin/env python3
"""Writes the schemathesis.toml that scripts/api-fuzz.sh runs with.

Schemathesis makes up path parameters, so on its own nearly every `/{id}` operation answers
404 and the fuzzing never reaches the handlers' real work. This asks the running demo server
(loopback only) for ids that exist, and binds them as dictionaries to the path parameters
that take them: Schemathesis then uses a real id most of the time and still makes up the
rest. Standard library only.

Usage: api-fuzz-config.py BASE_URL OUT_FILE, with the admin API token in FUZZ_TOKEN and an
`oncall:read`-only token (for the iCal feeds) in FEED_TOKEN.
"""

import json
import os
import sys
import urllib.parse
import urllib.request

# How often a bound parameter takes a real value rather than a made-up one.
PROBABILITY = 0.8


def get(base, path, token):
    url = urllib.parse.urljoin(base, path)
    host = urllib.parse.urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"api-fuzz-config: refusing to query {host}: loopback only")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def ids(page, key="id", limit=20):
    seen = []
    for item in page.get("items", []):
        value = item.get(key)
        if value is not None and value not in seen:
            seen.append(value)
    return seen[:limit]


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


def main():
    base, out = sys.argv[1], sys.argv[2]
    token = os.environ["FUZZ_TOKEN"]
    feed_token = os.environ["FEED_TOKEN"]

    incidents = ids(get(base, "/api/v1/incidents?state=all&limit=50", token))
    schedules = ids(get(base, "/api/v1/schedules", token))
    people = []
    for schedule in schedules:
        shifts = get(base, f"/api/v1/schedules/{urllib.parse.quote(schedule)}/shifts", token)
        for shift in shifts.get("items", shifts.get("shifts", [])):
            person = shift.get("person")
            if person and person not in people:
                people.append(person)
    components = [c["id"] for c in get(base, "/status.json", token).get("components", [])]
    events = get(base, "/api/v1/events?limit=50", token)
    integrations = sorted({e["integration"] for e in events.get("items", []) if e.get("integration")})

    dictionaries = {
        "incident": incidents,
        "alert": ids(get(base, "/api/v1/alerts?limit=20", token)),
        "event": ids(events),
        "notification": ids(get(base, "/api/v1/notifications?limit=20", token)),
        "change": ids(get(base, "/api/v1/changes?limit=20", token)),
        "deployment": ids(get(base, "/api/v1/deployments?limit=20", token)),
        "action_item": ids(get(base, "/api/v1/action_items?limit=20", token)),
        "schedule": schedules,
        "person": people,
        "component": components,
        "integration": integrations,
        "schedule_file": [f"{s}.ics" for s in schedules],
        "person_file": [f"{p}.ics" for p in people],
        "feed_token": [feed_token],
    }
    # One entry per operation group: Schemathesis takes `parameters` (and `headers`) from the
    # first [[operations]] entry that matches, so an operation's bindings must sit together.
    # (path regex, {parameter: dictionary}, extra headers)
    bindings = [
        (r"^/api/v1/incidents/\{id\}", {"path.id": "incident"}, {}),
        (r"^/status/incidents/\{id\}$", {"path.id": "incident"}, {}),
        (r"^/api/v1/alerts/\{id\}", {"path.id": "alert"}, {}),
        (r"^/api/v1/events/\{id\}$", {"path.id": "event"}, {}),
        (r"^/api/v1/notifications/\{id\}", {"path.id": "notification"}, {}),
        (r"^/api/v1/changes/\{id\}", {"path.id": "change"}, {}),
        (r"^/api/v1/deployments/\{id\}$", {"path.id": "deployment"}, {}),
        (r"^/api/v1/action_items/\{id\}$", {"path.id": "action_item"}, {}),
        (r"^/api/v1/schedules/\{id\}/", {"path.id": "schedule"}, {}),
        (r"^/api/v1/people/\{id\}/", {"path.id": "person"}, {}),
        (r"^/api/v1/status/components/\{id\}$", {"path.id": "component"}, {}),
        # The demo's Alertmanager integration (src/demo/demo.toml) takes this bearer token, so
        # its payload parser is reached; the API token would only ever be refused there.
        (
            r"^/hooks/\{integration\}$",
            {"path.integration": "integration"},
            {"Authorization": "Bearer demo-alertmanager-token"},
        ),
        (r"^/ical/schedules/\{file\}$", {"path.file": "schedule_file", "query.token": "feed_token"}, {}),
        (r"^/ical/people/\{file\}$", {"path.file": "person_file", "query.token": "feed_token"}, {}),
    ]

    lines = ["# Written by scripts/api-fuzz-config.py for one run of scripts/api-fuzz.sh.", ""]
    used = set()
    for regex, parameters, headers in bindings:
        bound = {p: name for p, name in parameters.items() if dictionaries[name]}
        if not bound and not headers:
            continue
        used.update(bound.values())
        lines += ["[[operations]]", f"include-path-regex = {toml_value(regex)}"]
        if bound:
            inner = ", ".join(
                f'"{p}" = {{ dictionary = "{name}", probability = {PROBABILITY} }}'
                for p, name in bound.items()
            )
            lines.append(f"parameters = {{ {inner} }}")
        if headers:
            inner = ", ".join(f"{toml_value(k)} = {toml_value(v)}" for k, v in headers.items())
            lines.append(f"headers = {{ {inner} }}")
        lines.append("")
    for name in sorted(used):
        values = ", ".join(toml_value(v) for v in dictionaries[name])
        lines += [f"[dictionaries.{name}]", f"values = [{values}]", ""]
    with open(out, "w", encoding="utf-8") as file:
        file.write("\n".join(lines))
    counts = ", ".join(f"{name} {len(dictionaries[name])}" for name in sorted(used))
    print(f"api-fuzz-config: real ids bound: {counts}", file=sys.stderr)


if __name__ == "__main__":
    main()
