-- wrk script: replays signed SMS webhooks from SMS_REQUESTS (see make_sms_requests.py) to SMS_PATH.
local lines = {}
for line in io.lines(os.getenv("SMS_REQUESTS")) do lines[#lines + 1] = line end
local path = os.getenv("SMS_PATH")
local thread_offset = 0
local index = 0

setup = function(thread)
  thread:set("offset", thread_offset)
  thread_offset = thread_offset + math.floor(#lines / 2)
end

request = function()
  index = index + 1
  local line = lines[((offset or 0) + index - 1) % #lines + 1]
  local head, body = line:match("^([^\t]*)\t(.*)$")
  local headers = {}
  for field in string.gmatch(head, "[^\31]+") do
    local name, value = field:match("^([^:]+): (.*)$")
    headers[name] = value
  end
  return wrk.format("POST", path, headers, body)
end
