-- wrk script for benchmarks/load.py: GET the paths listed in a file, count statuses.
--
--   wrk -t2 -c100 -d30s --latency --timeout 10s -s load.lua http://127.0.0.1:PORT -- PATHS
--
-- Each connection walks the list from its own starting point. done() prints one
-- line "JWLINK_RESULT {json}" with wrk's summary, latency percentiles (ms), the
-- count of every status, and how many 503s came without Retry-After.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if #line > 0 then
      table.insert(paths, line)
    end
  end
  if #paths == 0 then
    error("no paths in " .. args[1])
  end
  -- Spread the threads over the list; connections of a thread share its cursor.
  cursor = (id * 7919) % #paths
  statuses = {}
  no_retry_after = 0
end

function request()
  cursor = cursor % #paths + 1
  return wrk.format("GET", paths[cursor])
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status == 503 and headers["retry-after"] == nil and headers["Retry-After"] == nil then
    no_retry_after = no_retry_after + 1
  end
end

function done(summary, latency, requests)
  local merged, missing = {}, 0
  for _, thread in ipairs(threads) do
    for key, count in pairs(thread:get("statuses")) do
      merged[key] = (merged[key] or 0) + count
    end
    missing = missing + thread:get("no_retry_after")
  end
  local parts = {}
  for key, count in pairs(merged) do
    table.insert(parts, string.format('"%s": %d', key, count))
  end
  local e = summary.errors
  io.write(string.format(
    'JWLINK_RESULT {"requests": %d, "duration_s": %.3f, "bytes": %d, ' ..
    '"p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "mean_ms": %.3f, ' ..
    '"statuses": {%s}, "no_retry_after": %d, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}}\n',
    summary.requests, summary.duration / 1e6, summary.bytes,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, latency.mean / 1e3,
    table.concat(parts, ", "), missing,
    e.connect, e.read, e.write, e.timeout))
end
