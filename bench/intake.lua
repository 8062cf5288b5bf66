-- wrk script: POST ~2 KB JSON events, each with a unique id (the dedup key), so every request
-- is a new event to store.
local threads = {}
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
  thread:set("run_id", tostring(os.time()))
  table.insert(threads, thread)
end

local counter = 0
local pad = string.rep("x", 1900)
local headers = { ["Content-Type"] = "application/json" }

function request()
  counter = counter + 1
  local body = '{"id":"' .. run_id .. "-" .. thread_id .. "-" .. counter ..
    '","type":"bench.event","service":"api","pad":"' .. pad .. '"}'
  return wrk.format("POST", nil, headers, body)
end
