-- wrk script for scripts/load.sh. With LOAD_BODIES (a file of JSON chat bodies, one a line) it
-- POSTs them in turn with `Authorization: Bearer LOAD_API_KEY`; without, plain GETs of the URL.
-- At the end it prints one `LOADJSON {...}` line: requests, errors by kind, latency percentiles.
local bodies = {}
local bodies_path = os.getenv("LOAD_BODIES")
if bodies_path and bodies_path ~= "" then
  for line in io.lines(bodies_path) do
    if line ~= "" then bodies[#bodies + 1] = line end
  end
end
local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Bearer " .. (os.getenv("LOAD_API_KEY") or ""),
}
local next_body = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  -- Each wrk thread starts at a different question.
  next_body = ((thread_number or 1) - 1) * 17
end

function request()
  if #bodies == 0 then
    return wrk.format("GET")
  end
  next_body = next_body % #bodies + 1
  return wrk.format("POST", nil, headers, bodies[next_body])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'LOADJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,'
      .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
