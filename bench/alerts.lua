-- wrk script for bench/alerts.sh: POST one distinct alert per request, in one of three shapes
-- chosen by ALERTS_BENCH_MODE, all carrying the same alert (same labels, summary and
-- description text, so about the same size):
--   hooks         Alertmanager webhook v4 body (one firing alert) for Firewatch /hooks/{name}
--   enqueue       PagerDuty Events API v2 trigger for Firewatch /v2/enqueue
--   alertmanager  a JSON array of one postable alert for Alertmanager's POST /api/v2/alerts
-- Every request has a new instance label, fingerprint and dedup_key, so nothing is a re-send.
-- ALERTS_BENCH_RUN names the run (warm-up and measured run must differ). ALERTS_BENCH_KEY is
-- the PagerDuty routing_key. At the end it prints one "RESULT ..." line that bench/alerts.sh
-- reads: status counts come from response(), so a non-2xx answer is never counted as accepted.

local mode = os.getenv("ALERTS_BENCH_MODE") or "hooks"
local run = os.getenv("ALERTS_BENCH_RUN") or tostring(os.time())
local routing_key = os.getenv("ALERTS_BENCH_KEY") or "0123456789abcdef0123456789abcdef"

local threads = {}
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
  table.insert(threads, thread)
end

-- Globals, so that done() can read them from each thread with thread:get().
counter = 0
statuses = {}
sample_bytes = 0
local headers = { ["Content-Type"] = "application/json" }
local now = os.date("!%Y-%m-%dT%H:%M:%SZ")
local description = "Latency has been above the objective for 5 minutes. " .. string.rep("x", 150)
-- A small number from the run's name, for the fingerprint's first hex digits.
local run_hash = 0
for i = 1, #run do run_hash = (run_hash * 31 + run:byte(i)) % 65536 end

local function json_string(s) return '"' .. s .. '"' end -- bench text needs no escaping

function request()
  counter = counter + 1
  local instance = "host-" .. run .. "-" .. thread_id .. "-" .. counter
  local fingerprint = string.format("%04x%04x%08x", run_hash, thread_id % 65536, counter)
  local summary = "p99 latency above 500 ms on " .. instance
  local labels = '{"alertname":"BenchHighLatency","instance":' .. json_string(instance) ..
    ',"job":"api","service":"api","severity":"critical"}'
  local annotations = '{"summary":' .. json_string(summary) ..
    ',"description":' .. json_string(description) .. '}'
  local body
  if mode == "hooks" then
    body = '{"version":"4","groupKey":"{}:{alertname=\\"BenchHighLatency\\", instance=\\"' .. instance ..
      '\\"}","truncatedAlerts":0,"status":"firing","receiver":"firewatch",' ..
      '"groupLabels":{"alertname":"BenchHighLatency","instance":' .. json_string(instance) .. '},' ..
      '"commonLabels":' .. labels .. ',"commonAnnotations":' .. annotations .. ',' ..
      '"externalURL":"http://alertmanager:9093","alerts":[{"status":"firing","labels":' .. labels ..
      ',"annotations":' .. annotations .. ',"startsAt":"' .. now ..
      '","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus:9090/graph?g0.expr=up",' ..
      '"fingerprint":"' .. fingerprint .. '"}]}'
  elseif mode == "enqueue" then
    body = '{"routing_key":"' .. routing_key .. '","event_action":"trigger","dedup_key":' ..
      json_string(instance) .. ',"payload":{"summary":' .. json_string(summary) ..
      ',"source":' .. json_string(instance) .. ',"severity":"critical",' ..
      '"custom_details":{"description":' .. json_string(description) .. '}}}'
  else -- alertmanager
    body = '[{"labels":' .. labels .. ',"annotations":' .. annotations .. ',"startsAt":"' .. now ..
      '","generatorURL":"http://prometheus:9090/graph?g0.expr=up"}]'
  end
  sample_bytes = #body
  return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  local bytes = 0
  for _, thread in ipairs(threads) do
    bytes = thread:get("sample_bytes")
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local ok, other, listed = 0, 0, {}
  for status, n in pairs(counts) do
    if status >= 200 and status < 300 then ok = ok + n else other = other + n end
    table.insert(listed, status .. ":" .. n)
  end
  table.sort(listed)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d ok=%d non2xx=%d duration_us=%d p50_us=%d p99_us=%d " ..
      "socket_errors=%d body_bytes=%d statuses=%s\n",
    summary.requests, ok, other, summary.duration, latency:percentile(50),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, bytes,
    table.concat(listed, ",")))
end
