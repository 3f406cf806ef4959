-- Prints one machine-readable line when wrk finishes: requests, HTTP errors, socket errors,
-- timeouts, p50 and p99 latency in milliseconds.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %.3f %.3f\n", summary.requests, e.status,
    e.connect + e.read + e.write, e.timeout, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000))
end
