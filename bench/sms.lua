-- wrk script: replays signed Twilio webhooks from SMS_REQUESTS (see make_sms_requests.py).
local lines = {}
for line in io.lines(os.getenv("SMS_REQUESTS")) do lines[#lines + 1] = line end
local thread_offset = 0
local index = 0

setup = function(thread)
  thread:set("offset", thread_offset)
  thread_offset = thread_offset + math.floor(#lines / 2)
end

request = function()
  index = index + 1
  local line = lines[((offset or 0) + index - 1) % #lines + 1]
  local sig, body = line:match("^([^\t]+)\t(.*)$")
  return wrk.format("POST", "/sms/twilio", {
    ["Content-Type"] = "application/x-www-form-urlencoded", ["X-Twilio-Signature"] = sig }, body)
end
