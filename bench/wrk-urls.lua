-- wrk script for make bench-serve (bench/bench_serve.py): requests the paths listed, one per
-- line, in the file named by WRK_URLS, cycling through the list.
--   WRK_URLS=list.txt wrk -t2 -c64 -d30s --latency -s bench/wrk-urls.lua http://127.0.0.1:PORT
-- Each thread starts at its own offset into the list (thread i of n at i/n of it; n is
-- WRK_THREADS, which should match -t), so that the threads do not ask for the same tile at the
-- same moment.
-- At the end it prints one line "wrk-json {...}" with the exact figures (bench_serve.py reads it).

local path = os.getenv("WRK_URLS")
local urls = {}
if path then
  for line in io.lines(path) do
    if #line > 0 then urls[#urls + 1] = line end
  end
end
if #urls == 0 then
  io.stderr:write("wrk-urls.lua: no URLs (set WRK_URLS to a file with one path per line)\n")
  os.exit(1)
end

local nthreads = tonumber(os.getenv("WRK_THREADS") or "1")

-- setup runs in wrk's main Lua state, once per thread before it starts: number the threads.
local count = 0
function setup(thread)
  thread:set("tid", count)
  count = count + 1
end

local i = nil
function request()
  if i == nil then i = math.floor(#urls * (tonumber(tid) or 0) / nthreads) + 1 end
  local u = urls[i]
  i = i + 1
  if i > #urls then i = 1 end
  return wrk.format("GET", u)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'wrk-json {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
