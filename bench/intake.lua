-- wrk script: unique JSON reports to POST /api/v1/reports (unique so none is a double submit).
-- DELAY_MS paces each connection (for the half-load latency run).
local counter = 0
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))

request = function()
  counter = counter + 1
  local body = string.format(
    '{"reporter":"self","message":"bench report %d-%d: he shouts at me most evenings","survivor":{"postcode":"OX14 3DB"},"safety":{"methods":["email"],"email":"bench@example.org","safe_times":["mon-fri 09:00-17:00"]},"female_officer":true}',
    math.random(1, 1000000000), counter)
  return wrk.format("POST", "/api/v1/reports", { ["Content-Type"] = "application/json" }, body)
end

if delay_ms > 0 then
  delay = function() return delay_ms end
end
