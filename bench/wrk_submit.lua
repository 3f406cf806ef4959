-- Posts a different visit on every request: a fresh visit id, spread over 50 premises.
-- The form body (with the CSRF token) and the session cookie come from the environment.
dofile(os.getenv("WRK_REPORT"))

local template = os.getenv("VISIT_BODY")
local cookie = os.getenv("VISIT_COOKIE")
local thread_count = 0

function setup(thread)
  thread:set("prefix", string.format("%04x", thread_count))
  thread_count = thread_count + 1
end

local counter = 0
function request()
  counter = counter + 1
  local premises = (counter % 50) + 1
  local id = "00000000-0000-4000-8000-" .. prefix .. string.format("%08x", counter)
  local body = template:gsub("VISIT_ID", id)
  return wrk.format("POST", "/premises/" .. premises .. "/visits/new",
    {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = cookie, ["User-Agent"] = os.getenv("VISIT_USER_AGENT")}, body)
end
