-- wrk script of bench/http_load.py: sends the requests listed in a data file (its path is the
-- script's argument; bench/load/wrk.py writes it), in turn, each thread from its own offset;
-- counts the answers by status and prints one line of JSON with the results.
--   data file: return {method = "GET", headers = {...}, requests = {{path = ..., body = ...}}}

local thread_list = {}
local prepared = {}
local position = 0
statuses = {}

function setup(thread)
  thread:set("thread_number", #thread_list)
  table.insert(thread_list, thread)
end

function init(args)
  local data = dofile(args[1])
  for i, item in ipairs(data.requests) do
    prepared[i] = wrk.format(data.method, item.path, data.headers, item.body)
  end
  position = (thread_number * 7919) % #prepared
end

function request()
  position = position % #prepared + 1
  return prepared[position]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(thread_list) do
    for status, n in pairs(thread:get("statuses")) do
      counts[#counts + 1] = string.format('[%d, %d]', status, n)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "statuses": [%s], ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, table.concat(counts, ", "),
    e.connect, e.read, e.write, e.timeout))
end
