-- One perfsuite scenario for wrk: the requests below in turn (each thread starting at its own
-- place), an optional request budget per thread, and latency percentiles written as JSON.
-- perfsuite fills in REQUESTS, BUDGET and OUT.
local requests = REQUESTS
local budget = BUDGET
local out_path = OUT

local counter = 0
local done_here = 0
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("offset", next_id * 7919)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  counter = offset or 0
  prepared = {}
  for i, r in ipairs(requests) do
    prepared[i] = wrk.format(r.method, r.path, r.headers, r.body)
  end
end

function request()
  counter = counter + 1
  return prepared[(counter % #prepared) + 1]
end

function response(status, headers, body)
  if budget > 0 then
    done_here = done_here + 1
    if done_here >= budget then
      wrk.thread:stop()
    end
  end
end

function done(summary, latency, requests)
  local f = io.open(out_path, "w")
  local p = {}
  for _, q in ipairs({50, 90, 95, 99}) do
    p[#p + 1] = string.format('"p%d": %.3f', q, latency:percentile(q) / 1000.0)
  end
  f:write(string.format(
    '{"requests": %d, "duration_s": %.6f, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_ms": {%s, "mean": %.3f, "max": %.3f, "stdev": %.3f}}',
    summary.requests, summary.duration / 1e6, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    table.concat(p, ", "), latency.mean / 1000.0, latency.max / 1000.0, latency.stdev / 1000.0))
  f:close()
end
