-- One perfsuite scenario for wrk: the requests below in turn (each thread starting at its own
-- place), an optional request budget per thread, and latency percentiles written as JSON.
-- perfsuite fills in REQUESTS, BUDGET, THREADS and OUT.
--
-- A request with a `lane` must keep its place in the order (a status moved there, then back):
-- thread i sends only the lanes where lane % threads == i, in list order, from the start, so no
-- two threads interleave one lane's requests; perfsuite gives such a list one connection per
-- thread, so no two connections of one thread do either. Requests without a lane are shared by every thread,
-- each starting at its own offset.
local requests = REQUESTS
local budget = BUDGET
local threads_total = THREADS
local out_path = OUT

local counter = 0
local done_here = 0
-- Where each answer came from: nginx's micro-cache (X-Cache-Status: HIT), Django's page cache
-- (X-Page-Cache: hit), or neither (built by the view). Globals: done() reads them per thread.
from_nginx = 0
from_django = 0
built = 0
-- Answers that were neither 2xx nor 3xx, by status code: "503=4,502=1" (a string, since a
-- thread's globals cross to done() only as plain values).
statuses = ""
local status_counts = {}
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("thread_index", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local index = thread_index or 0
  local laned = false
  prepared = {}
  for _, r in ipairs(requests) do
    if r.lane == nil or r.lane % threads_total == index then
      prepared[#prepared + 1] = wrk.format(r.method, r.path, r.headers, r.body)
    end
    if r.lane ~= nil then laned = true end
  end
  -- 0-based position of the next request: a laned list starts at its first request.
  counter = laned and 0 or (index * 7919) % #prepared
  if index == 0 then
    -- wrk calls request() once on the first thread to check the script before any connection
    -- opens, and never sends that request: start one earlier so it takes the last, not the first.
    counter = (counter - 1) % #prepared
  end
end

function request()
  local chosen = prepared[counter + 1]
  counter = (counter + 1) % #prepared
  return chosen
end

function response(status, headers, body)
  if status >= 400 then
    status_counts[status] = (status_counts[status] or 0) + 1
    local parts = {}
    for code, n in pairs(status_counts) do parts[#parts + 1] = code .. "=" .. n end
    statuses = table.concat(parts, ",")
  end
  if headers["X-Cache-Status"] == "HIT" then
    from_nginx = from_nginx + 1
  elseif headers["X-Page-Cache"] == "hit" then
    from_django = from_django + 1
  else
    built = built + 1
  end
  if budget > 0 then
    done_here = done_here + 1
    if done_here >= budget then
      wrk.thread:stop()
    end
  end
end

function done(summary, latency, requests)
  local nginx_hits, django_hits, builds = 0, 0, 0
  local by_status = {}
  for _, thread in ipairs(threads) do
    for code, n in string.gmatch(thread:get("statuses") or "", "(%d+)=(%d+)") do
      by_status[code] = (by_status[code] or 0) + tonumber(n)
    end
    nginx_hits = nginx_hits + thread:get("from_nginx")
    django_hits = django_hits + thread:get("from_django")
    builds = builds + thread:get("built")
  end
  local f = io.open(out_path, "w")
  local p = {}
  for _, q in ipairs({50, 90, 95, 99}) do
    p[#p + 1] = string.format('"p%d": %.3f', q, latency:percentile(q) / 1000.0)
  end
  local codes = {}
  for code, n in pairs(by_status) do codes[#codes + 1] = string.format('"%s": %d', code, n) end
  f:write(string.format(
    '{"requests": %d, "duration_s": %.6f, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_ms": {%s, "mean": %.3f, "max": %.3f, "stdev": %.3f}, ' ..
    '"answered_by": {"nginx_cache": %d, "django_cache": %d, "view": %d}, "statuses": {%s}}',
    summary.requests, summary.duration / 1e6, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    table.concat(p, ", "), latency.mean / 1000.0, latency.max / 1000.0, latency.stdev / 1000.0,
    nginx_hits, django_hits, builds, table.concat(codes, ", ")))
  f:close()
end
